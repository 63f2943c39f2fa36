"""`pinzhi topic-quality`: the repeat grouping's precision and recall on the labelled real
texts (CMP-8, issue 8 item 4)."""

from pathlib import Path

from django.core.management.base import BaseCommand

from pinzhi.complaints import topic_quality


class Command(BaseCommand):
    help = "Precision and recall of the repeat topics on hand-labelled real texts."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="*", help="labelled CSV files (topic,text)")
        parser.add_argument(
            "--threshold",
            type=float,
            default=None,
            help="similarity 0-1 (default: the property pack's complaints.repeat_similarity)",
        )

    def handle(self, *args, files, threshold, **options):
        if threshold is None:
            threshold = topic_quality.pack_threshold()
        paths = [Path(f) for f in files] or [
            topic_quality.DATA / name for name in topic_quality.LABELLED_SETS
        ]
        for path in paths:
            quality = topic_quality.measure(
                topic_quality.labelled_set(path), threshold=threshold, name=path.name
            )
            self.stdout.write("\n".join(quality.lines()))
