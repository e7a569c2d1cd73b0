"""``zhili import-open311 FILE --api-key KEY [--url URL] [--mapping CSV] [--limit N]``: load another
city's 311 records (NYC 311 exports) through the Open311 POST, in process or to a running server."""

import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from zhili.datafiles import DataFileNotFound, data_path
from zhili.open311.importer import MappingError, http_poster, import_nyc, in_process_poster, load_mapping

DEFAULT_MAPPING = "open311-import/nyc311_mapping.csv"


class Command(BaseCommand):
    help = ("经 Open311 POST 导入其他城市的 311 工单（纽约 311 导出格式）。密钥须允许导入历史工单："
            "zhili apikey create nyc-import --history --rate 100000/min")

    def add_arguments(self, parser):
        parser.add_argument("file", help="纽约 311 CSV（可为 .csv.xz），如 data/nyc311/nyc311_sample_socrata_api.csv.xz")
        parser.add_argument("--api-key", default=os.environ.get("ZHILI_OPEN311_API_KEY", ""),
                            help="Open311 api_key（也可用环境变量 ZHILI_OPEN311_API_KEY）")
        parser.add_argument("--url", default="", help="发往运行中的服务，如 http://127.0.0.1:8000/open311/v2/requests.json；"
                                                     "省略则在本进程内调用同一视图")
        parser.add_argument("--mapping", default="", help=f"映射 CSV，默认 data/{DEFAULT_MAPPING}")
        parser.add_argument("--limit", type=int, default=None, help="只导入前 N 行")

    def handle(self, *args, file, api_key, url, mapping, limit, **options):
        if not api_key:
            raise CommandError("须提供 --api-key（或环境变量 ZHILI_OPEN311_API_KEY）")
        try:
            rules = load_mapping(mapping or data_path(DEFAULT_MAPPING))
        except (DataFileNotFound, MappingError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        if not os.path.exists(file):
            raise CommandError(f"文件不存在：{file}")
        post = http_poster(url, api_key) if url else in_process_poster(api_key)
        if not url and "testserver" not in settings.ALLOWED_HOSTS:
            raise CommandError("本进程导入需要 ALLOWED_HOSTS 包含 testserver，或改用 --url")
        report = import_nyc(file, rules, post, limit=limit)
        for line, key, reason in report.refused:
            self.stderr.write(f"第 {line} 行（Unique Key {key}）被拒绝：{reason}")
        self.stdout.write(f"新建 {report.created}，已导入过 {report.replayed}，被拒绝 {len(report.refused)}")
