"""SQLAlchemy 2 (with psycopg 3) against db001: metadata.create_all, inspect() reflection,
ORM sessions with commit and rollback, Core inserts with parameters, an error with its
SQLSTATE, NULLs and the types SQLAlchemy maps onto db001's. Any mismatch raises.
"""

import datetime
import decimal
import os
import uuid

import psycopg
import sqlalchemy as sa
from sqlalchemy import exc, inspect
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship

URL = f"postgresql+psycopg://postgres@{os.environ['DB001_HOST']}:{os.environ['DB001_PORT']}/postgres"


class Base(DeclarativeBase):
    pass


class Author(Base):
    __tablename__ = "author"
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(sa.String(50), nullable=False)
    born: Mapped[datetime.date | None] = mapped_column(sa.Date)
    books: Mapped[list["Book"]] = relationship(
        back_populates="author", primaryjoin="Author.id == foreign(Book.author_id)"
    )


class Book(Base):
    __tablename__ = "book"
    id: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True, autoincrement=False)
    author_id: Mapped[int] = mapped_column(sa.Integer, nullable=False, index=True)
    title: Mapped[str] = mapped_column(sa.Text, nullable=False)
    price: Mapped[decimal.Decimal | None] = mapped_column(sa.Numeric(8, 2))
    author: Mapped[Author] = relationship(
        back_populates="books", primaryjoin="Author.id == foreign(Book.author_id)"
    )


class Edition(Base):
    __tablename__ = "edition"
    __table_args__ = (sa.UniqueConstraint("book_id", "isbn", name="edition_book_isbn"),)
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=False)
    book_id: Mapped[int] = mapped_column(
        sa.BigInteger, sa.ForeignKey("book.id", ondelete="CASCADE"), nullable=False
    )
    isbn: Mapped[str] = mapped_column(sa.String(17), nullable=False)


class Everything(Base):
    __tablename__ = "everything"
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=False)
    flag = mapped_column(sa.Boolean)
    small = mapped_column(sa.SmallInteger)
    big = mapped_column(sa.BigInteger)
    single = mapped_column(sa.REAL)
    double = mapped_column(sa.Double)
    amount = mapped_column(sa.Numeric(10, 3))
    label = mapped_column(sa.String(20))
    code = mapped_column(sa.CHAR(3))
    body = mapped_column(sa.Text)
    blob = mapped_column(sa.LargeBinary)
    day = mapped_column(sa.Date)
    clock = mapped_column(sa.Time)
    moment = mapped_column(sa.DateTime)
    instant = mapped_column(sa.DateTime(timezone=True))
    span = mapped_column(sa.Interval)
    ident = mapped_column(sa.Uuid)
    doc = mapped_column(postgresql.JSON)
    docb = mapped_column(postgresql.JSONB)
    numbers = mapped_column(postgresql.ARRAY(sa.Integer))
    words = mapped_column(postgresql.ARRAY(sa.Text))


VALUES = dict(
    flag=True,
    small=7,
    big=-(2**40),
    single=0.75,
    double=1.0 / 3.0,
    amount=decimal.Decimal("12.345"),
    label="label",
    code="abc",
    body="body text",
    blob=b"\x00\xffdata",
    day=datetime.date(2012, 12, 21),
    clock=datetime.time(6, 7, 8),
    moment=datetime.datetime(2012, 12, 21, 6, 7, 8),
    instant=datetime.datetime(2012, 12, 21, 6, 7, 8, tzinfo=datetime.timezone.utc),
    span=datetime.timedelta(hours=36),
    ident=uuid.UUID("5e8d1a1c-0000-4000-8000-000000000001"),
    doc={"list": [1, "two"]},
    docb={"nested": {"ok": True}},
    numbers=[4, 5, 6],
    words=["alpha", "beta"],
)


def savepoint_supported():
    """Whether the server accepts SAVEPOINT (db001 gains it with the DDL work); says which.

    SQLAlchemy's psycopg dialect looks up hstore's type inside a savepoint when it first
    connects, so without savepoints the engine is made with use_native_hstore=False.
    """
    with psycopg.connect(URL.replace("+psycopg", "")) as connection:
        connection.execute("BEGIN")
        try:
            connection.execute("SAVEPOINT probe")
            return True
        except psycopg.errors.FeatureNotSupported:
            print("savepoint: not supported by this db001 build (0A000); tested plain transactions"
                  " and connected with use_native_hstore=False")
            return False
        finally:
            connection.rollback()


def main():
    savepoints = savepoint_supported()
    engine = sa.create_engine(URL) if savepoints else sa.create_engine(URL, use_native_hstore=False)
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)

    inspector = inspect(engine)
    tables = set(inspector.get_table_names())
    assert {"author", "book", "everything"} <= tables, tables
    columns = {column["name"]: column for column in inspector.get_columns("book")}
    assert list(columns) == ["id", "author_id", "title", "price"], list(columns)
    assert isinstance(columns["id"]["type"], sa.BigInteger), columns["id"]
    assert isinstance(columns["price"]["type"], sa.Numeric) and columns["price"]["type"].scale == 2
    assert columns["title"]["nullable"] is False and columns["price"]["nullable"] is True
    assert inspector.get_pk_constraint("book")["constrained_columns"] == ["id"]
    # Index and unique-constraint reflection read pg_index.indkey (int2vector:
    # unnest, generate_subscripts) and pg_constraint.conkey.
    indexes = inspector.get_indexes("book")
    assert [(index["name"], index["column_names"], index["unique"]) for index in indexes] == [
        ("ix_book_author_id", ["author_id"], False)
    ], indexes
    # Foreign keys are read from pg_constraint (contype 'f') and pg_get_constraintdef's text.
    foreign_keys = inspector.get_foreign_keys("edition")
    assert [
        (fk["constrained_columns"], fk["referred_table"], fk["referred_columns"], fk["options"])
        for fk in foreign_keys
    ] == [(["book_id"], "book", ["id"], {"ondelete": "CASCADE"})], foreign_keys
    uniques = inspector.get_unique_constraints("edition")
    assert [(unique["name"], unique["column_names"]) for unique in uniques] == [
        ("edition_book_isbn", ["book_id", "isbn"])
    ], uniques
    types = {column["name"]: type(column["type"]).__name__ for column in inspector.get_columns("everything")}
    assert types["span"] == "INTERVAL" and types["ident"] == "UUID" and types["docb"] == "JSONB", types

    with Session(engine) as session:
        author = Author(id=1, name="Ursula", born=datetime.date(1929, 10, 21))
        session.add(author)
        session.add_all([Book(id=10, author_id=1, title="Dispossessed", price=decimal.Decimal("9.99")),
                         Book(id=11, author_id=1, title="Lathe", price=None)])
        session.commit()

        session.add(Book(id=12, author_id=1, title="never"))
        session.flush()
        session.rollback()
        assert session.scalar(sa.select(sa.func.count()).select_from(Book)) == 2

        loaded = session.get(Author, 1)
        assert sorted(book.title for book in loaded.books) == ["Dispossessed", "Lathe"]
        loaded.name = "Ursula K."
        session.commit()
        assert session.scalar(sa.select(Author.name).where(Author.id == 1)) == "Ursula K."
        assert session.scalar(sa.select(Book.price).where(Book.id == 11)) is None

        # A nested transaction is a SAVEPOINT.
        if savepoints:
            session.add(Book(id=13, author_id=1, title="kept"))
            nested = session.begin_nested()
            session.add(Book(id=14, author_id=1, title="undone"))
            session.flush()
            nested.rollback()
            session.commit()
            titles = session.scalars(sa.select(Book.title).where(Book.id >= 13)).all()
            assert titles == ["kept"], titles

        session.add(Book(id=10, author_id=1, title="duplicate"))
        try:
            session.commit()
            raise AssertionError("duplicate primary key committed")
        except exc.IntegrityError as error:
            assert error.orig.sqlstate == "23505", error.orig.sqlstate
            session.rollback()

    with engine.begin() as connection:
        connection.execute(sa.insert(Everything), [dict(id=1, **VALUES)])
        connection.execute(sa.insert(Everything), [dict(id=2)])
    with engine.connect() as connection:
        full = connection.execute(sa.select(Everything.__table__).where(Everything.id == 1)).mappings().one()
        empty = connection.execute(sa.select(Everything.__table__).where(Everything.id == 2)).mappings().one()
        for name, value in VALUES.items():
            assert full[name] == value, f"{name}: got {full[name]!r}, expected {value!r}"
            assert empty[name] is None, f"{name}: NULL came back as {empty[name]!r}"
        matched = connection.execute(
            sa.select(Everything.id).where(Everything.label == sa.bindparam("label")), {"label": "label"}
        ).scalars().all()
        assert matched == [1], matched
    print(f"types: {len(VALUES)} types round-tripped")
    Base.metadata.drop_all(engine)
    engine.dispose()
    print("sqlalchemy: all checks passed")


if __name__ == "__main__":
    main()
