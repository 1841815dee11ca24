from django.db import migrations

# The words the site took after /b/<book>/ by the time of this migration. A chapter
# made before one of them was taken would be hidden behind the site's own page.
RESERVED = (
    "feed",
    "moderation",
    "acknowledgements",
    "fold",
    "search",
    "export",
    "annotations",
    "changes",
    "discussion",
)


def reserved_slugs_rename(apps, schema_editor):
    """Give each chapter whose slug the site now uses a free one in its book:
    `<slug>-chapter`, then `<slug>-chapter-2` and so on."""
    chapters = apps.get_model("chapters", "Chapter")
    for chapter in chapters.objects.filter(slug__in=RESERVED).order_by("pk"):
        taken = set(chapters.objects.filter(book_id=chapter.book_id).values_list("slug", flat=True))
        slug, n = f"{chapter.slug}-chapter", 1
        while slug in taken:
            n += 1
            slug = f"{chapter.slug}-chapter-{n}"
        chapter.slug = slug
        chapter.save(update_fields=["slug"])


class Migration(migrations.Migration):
    dependencies = [("chapters", "0006_chapter_opens_at_and_visits")]

    operations = [migrations.RunPython(reserved_slugs_rename, migrations.RunPython.noop)]
