import json

from django.core.management.base import BaseCommand, CommandError

from zhili.routing.evaluation import (
    MODELS,
    EvaluationInputError,
    cross_validate,
    read_labelled,
    train_and_test,
)


class Command(BaseCommand):
    help = ("评估一级分类模型：用 --train 训练、在 --test 上预测（不给 --test 时做分层 5 折交叉验证），"
            "最后一行输出 JSON：macro_f1、accuracy、ms_per_message、n、per_class。")

    def add_arguments(self, parser):
        parser.add_argument("--train", required=True, help="训练 CSV")
        parser.add_argument("--test", help="测试 CSV（省略则做交叉验证）")
        parser.add_argument("--text-column", default="分词文本")
        parser.add_argument("--label-column", default="一级分类")
        parser.add_argument("--test-text-column", help="测试文件的文本列（默认同 --text-column）")
        parser.add_argument("--model", choices=sorted(MODELS), default="fast",
                            help="fast：决定工单分类的模型（默认）；baseline：TF-IDF + 线性 SVM 基线")
        parser.add_argument("--folds", type=int, default=5)

    def handle(self, *args, train, test=None, text_column, label_column, model, folds, test_text_column=None,
               **options):
        try:
            texts, labels = read_labelled(train, text_column, label_column)
            if test:
                test_texts, test_labels = read_labelled(test, test_text_column or text_column, label_column)
                result = train_and_test(texts, labels, test_texts, test_labels, model)
            else:
                result = cross_validate(texts, labels, model, folds)
        except EvaluationInputError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(json.dumps(result, ensure_ascii=False))
