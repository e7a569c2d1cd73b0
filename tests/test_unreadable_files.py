"""Every command that reads a file explains an unreadable one in Chinese (zhili.datafiles.read_bytes)."""

import gzip
import io
import lzma

import pytest
from django.core.management import CommandError, call_command

from zhili.datafiles import UnreadableFile, read_bytes

pytestmark = pytest.mark.django_db

COMMANDS = [("calendar", "load"), ("load_knowledge",), ("load_taxonomy",)]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: "-".join(c))
@pytest.mark.parametrize("kind", ["missing", "directory", "truncated"])
def test_commands_refuse_an_unreadable_file_with_the_reason(command, kind, tmp_path):
    if kind == "missing":
        path, reason = tmp_path / "none.csv", "文件不存在"
    elif kind == "directory":
        path, reason = tmp_path, "这是一个目录"
    else:
        path, reason = tmp_path / "cut.csv.xz", "压缩文件不完整"
        path.write_bytes(lzma.compress("日期,类型\n2027-01-01,holiday\n".encode())[:16])
    with pytest.raises(CommandError, match=reason) as caught:
        call_command(*command, str(path), stdout=io.StringIO())
    assert str(path) in str(caught.value)


def test_read_bytes_names_the_damage(tmp_path):
    bad = tmp_path / "x.csv.gz"
    bad.write_bytes(b"not gzip at all" * 4)
    with pytest.raises(UnreadableFile, match="不是有效的 gzip 压缩文件"):
        read_bytes(bad)
    good = tmp_path / "y.csv.gz"
    good.write_bytes(gzip.compress("标题\n".encode()))
    assert read_bytes(good).decode() == "标题\n"
