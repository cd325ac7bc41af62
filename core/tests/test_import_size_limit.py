"""The import size limit's message: a file over the limit never reads as the limit's size."""

from __future__ import annotations

import io

import pytest

from core.importing import ImportFileError, check_file


class Sized(io.BytesIO):
    """A small file that says it is `size` bytes long, as an upload does."""

    def __init__(self, size: int) -> None:
        super().__init__(b"partner,code,name\nwcc,A,A\n")
        self.size = size


MB = 1024 * 1024


@pytest.mark.parametrize(
    "limit,size,message",
    [
        (50 * MB, 50 * MB + 1, "The file is 50.1 MB; it must be no bigger than 50 MB."),
        (50 * MB, 51 * MB, "The file is 51 MB; it must be no bigger than 50 MB."),
        (50 * MB, 4000 * MB, "The file is 4,000 MB; it must be no bigger than 50 MB."),
        (int(1.55 * MB), int(1.56 * MB), "The file is 1.6 MB; it must be no bigger than 1.5 MB."),
        (2000, 2001, "The file is 2 KB; it must be no bigger than 1.9 KB."),
        (100, 101, "The file is 101 bytes; it must be no bigger than 100 bytes."),
    ],
)
def test_a_file_over_the_limit_never_reads_as_the_limit(settings, limit, size, message):
    settings.CONCORD_IMPORT_MAX_BYTES = limit
    with pytest.raises(ImportFileError) as refused:
        check_file(Sized(size), "rooms.csv")
    assert refused.value.message == f"{message} Split it into smaller files."
    assert check_file(Sized(limit), "rooms.csv") == ".csv"  # the limit itself is allowed
