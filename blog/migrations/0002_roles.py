"""Create the Writers, Editors and Moderators groups so a new site has its roles."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = {
    "Writers": [
        ("blog", "add_article"),
        ("blog", "change_article"),
        ("blog", "view_article"),
        ("blog", "publish_article"),
        ("blog", "view_tag"),
        ("accounts", "view_authorprofile"),
        ("accounts", "change_authorprofile"),
    ],
    "Editors": [
        ("blog", "add_article"),
        ("blog", "change_article"),
        ("blog", "delete_article"),
        ("blog", "view_article"),
        ("blog", "publish_article"),
        ("blog", "change_any_article"),
        ("blog", "add_tag"),
        ("blog", "change_tag"),
        ("blog", "delete_tag"),
        ("blog", "view_tag"),
        ("accounts", "view_authorprofile"),
    ],
    "Moderators": [],  # the comments app grants the moderation permissions
}


def create_roles(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        for app_label, codename in codenames:
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("blog", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
