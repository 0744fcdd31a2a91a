"""Dutch full-text search over published lessons.

PostgreSQL: the 'dutch' text search configuration over an expression GIN index.
SQLite: an FTS5 table holding Snowball-stemmed words, queried with stemmed words, so
"uithuisplaatsingen" finds "uithuisplaatsing" on both databases.
"""

from __future__ import annotations

import re

import snowballstemmer
from sqlalchemy import func, text

from leerhuis.extensions import db
from leerhuis.models import Lesson

_stemmer = snowballstemmer.stemmer("dutch")
_WORD = re.compile(r"[0-9a-zà-ÿ]+", re.IGNORECASE)


def stem_words(value: str) -> list[str]:
    return _stemmer.stemWords([w.lower() for w in _WORD.findall(value or "")])


def document_text(lesson: Lesson) -> str:
    return " ".join(getattr(lesson, name) or "" for name in Lesson.TEXT_FIELDS)


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def index_lesson(lesson: Lesson) -> None:
    lesson.search_text = " ".join(stem_words(document_text(lesson)))
    if _dialect() == "sqlite":
        db.session.flush()
        db.session.execute(text("DELETE FROM lesson_fts WHERE rowid = :id"), {"id": lesson.id})
        db.session.execute(text("INSERT INTO lesson_fts (rowid, search_text) VALUES (:id, :t)"),
                           {"id": lesson.id, "t": lesson.search_text})


def matching(stmt, query: str):
    """Restrict a select over Lesson to lessons matching ``query`` (all words)."""
    words = stem_words(query)
    if not words:
        return stmt
    if _dialect() == "postgresql":
        vector = func.to_tsvector("dutch", func.coalesce(Lesson.title, "") + " "
                                  + func.coalesce(Lesson.wanted_differently, "") + " "
                                  + func.coalesce(Lesson.what_was_good, "") + " "
                                  + func.coalesce(Lesson.earlier_prevention, "") + " "
                                  + func.coalesce(Lesson.quote, "") + " "
                                  + func.coalesce(Lesson.follow_up_proposal, ""))
        return stmt.where(vector.op("@@")(func.plainto_tsquery("dutch", query)))
    fts_query = " AND ".join(f'"{w}"*' for w in words)
    ids = text("SELECT rowid FROM lesson_fts WHERE lesson_fts MATCH :q").bindparams(q=fts_query)
    return stmt.where(Lesson.id.in_(ids))
