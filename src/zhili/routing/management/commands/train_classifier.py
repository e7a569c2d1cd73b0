import time

from django.core.management.base import BaseCommand, CommandError

from zhili.routing import classifier
from zhili.routing.evaluation import EvaluationInputError
from zhili.routing.training import train_category_model


class Command(BaseCommand):
    help = ("训练一级分类模型（默认数据：data/tipdm2020c/fj2_train_segmented.csv，加上派单员的分类修正），"
            "保存为新版本并启用。")

    def add_arguments(self, parser):
        parser.add_argument("--data", help="训练 CSV（默认 fj2_train_segmented）")
        parser.add_argument("--text-column", default="分词文本")
        parser.add_argument("--label-column", default="一级分类")
        parser.add_argument("--limit", type=int, help="只用前 N 行（测试用）")
        parser.add_argument("--if-missing", action="store_true", help="已有可用模型时不重新训练")

    def handle(self, *args, data=None, text_column="分词文本", label_column="一级分类", limit=None,
               if_missing=False, **options):
        if if_missing and classifier.current_version():
            self.stdout.write(f"已有分类模型 {classifier.current_version()}，不重新训练")
            return
        started = time.monotonic()
        try:
            version = train_category_model(data, text_column, label_column, limit)
        except (EvaluationInputError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        metadata = classifier.current_metadata()
        self.stdout.write(f"分类模型 {version}：{metadata.get('n_training_examples')} 条训练数据"
                          f"（含修正 {metadata.get('n_corrections', 0)} 条），用时 {time.monotonic() - started:.1f} 秒")
