"""Bewijzen van deelname, one module per job:

- eligibility: who is due a certificate and what it covers (present sessions, the
  werkbezoek's coupled discussion, accredited means every session);
- content: what a certificate says (plain data for the PDF template, the SKJ statement,
  the QR code) and the PDF rendered from it;
- storage: the PDF as issued on disk, its SHA-256, and orphaned files cleaned up;
- issuing: issue one or a batch, revoke, reissue, find one by its code for verification;
- runs: an event's certificates issued in the background, in batches, under a lease.

Callers use the names below: ``from leerhuis.services import certificates``, then
``certificates.issue_one(...)``.
"""

from leerhuis.services.certificates.content import certificate_data, qr_data_uri
from leerhuis.services.certificates.eligibility import eligible_registrations, parts_for
from leerhuis.services.certificates.issuing import (
    CertificateError,
    find_by_code,
    issue,
    issue_one,
    new_code,
    page_for_user,
    reissue,
    revoke,
)
from leerhuis.services.certificates.runs import (
    claim_run,
    process_run,
    run_lease,
    stalled_run_ids,
    start_run,
)
from leerhuis.services.certificates.storage import ORPHAN_AGE, remove_orphan_files, stored_path

__all__ = [
    "ORPHAN_AGE",
    "CertificateError",
    "certificate_data",
    "claim_run",
    "eligible_registrations",
    "find_by_code",
    "issue",
    "issue_one",
    "new_code",
    "page_for_user",
    "parts_for",
    "process_run",
    "qr_data_uri",
    "reissue",
    "remove_orphan_files",
    "revoke",
    "run_lease",
    "stalled_run_ids",
    "start_run",
    "stored_path",
]
