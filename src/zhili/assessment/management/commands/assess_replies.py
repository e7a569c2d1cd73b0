from django.core.management.base import BaseCommand

from zhili.assessment.replies import assess_replies


class Command(BaseCommand):
    help = "评价尚未评分的答复（相关性、完整性、及时性）。幂等。"

    def handle(self, *args, **options):
        self.stdout.write(f"新评价答复 {assess_replies()} 件")
