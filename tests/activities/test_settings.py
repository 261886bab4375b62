import json
import os
import subprocess
import sys

SHOW = (
    "import json, django; from django.conf import settings; "
    "print(json.dumps([settings.STORAGES['default'], settings.KONTOR_MAX_UPLOAD_MB]))"
)


def read_settings(tmp_path, **env) -> tuple[dict, int]:
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "kontor.settings",
        "KONTOR_VAR_DIR": str(tmp_path),
        **env,
    }
    output = subprocess.run(  # noqa: S603 (our own interpreter and code)
        [sys.executable, "-c", SHOW], env=environment, capture_output=True, text=True, check=True
    ).stdout
    storage, limit = json.loads(output.strip().splitlines()[-1])
    return storage, limit


def test_files_are_stored_in_a_local_folder_with_a_25_mb_limit_by_default(tmp_path):
    storage, limit = read_settings(tmp_path)
    assert storage["BACKEND"] == "django.core.files.storage.FileSystemStorage"
    assert limit == 25


def test_s3_compatible_storage_and_the_limit_are_set_from_the_environment(tmp_path):
    storage, limit = read_settings(
        tmp_path,
        KONTOR_FILE_STORAGE="s3",
        KONTOR_S3_BUCKET="kontor-files",
        KONTOR_S3_ENDPOINT_URL="https://s3.example.com",
        KONTOR_MAX_UPLOAD_MB="100",
    )
    assert storage["BACKEND"] == "storages.backends.s3.S3Storage"
    assert storage["OPTIONS"]["bucket_name"] == "kontor-files"
    assert storage["OPTIONS"]["endpoint_url"] == "https://s3.example.com"
    assert storage["OPTIONS"]["default_acl"] == "private"
    assert limit == 100
