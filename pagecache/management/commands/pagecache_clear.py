from django.core.management.base import BaseCommand

from pagecache.generation import generation


class Command(BaseCommand):
    help = (
        "Make every cached page fresh (a new generation), e.g. after bulk changes that send "
        "no signals such as generate_pieces or a raw SQL update."
    )

    def handle(self, *args, **options):
        state = generation.bump()
        if state is None:
            self.stderr.write("The page cache's store is unreachable.")
            return
        self.stdout.write(f"Page cache: generation {state.gen}.")
