"""Demo and benchmark data, kept out of the domain layer: the portal never imports it.

``flask seed-demo`` loads the demo regions, accounts and programme (``seed``, with
``programme``, ``participation`` and ``learning``); ``flask seed-large`` the region-sized
benchmark data set (``large``). Needs the ``demo`` extra (Faker): ``pip install -e .[demo]``.
"""
