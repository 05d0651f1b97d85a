"""The image's Dockerfile pulls nothing from Docker Hub anonymously.

CodeBuild runs on shared addresses, so anonymous Docker Hub pulls hit its rate limit; images
come from ECR Public (public.ecr.aws), which serves copies of the Docker official images.
"""

import os
import re

DOCKERFILE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "Dockerfile")


def _lines():
    with open(DOCKERFILE, encoding="utf-8") as f:
        return f.read().splitlines()


def test_every_base_image_comes_from_ecr_public():
    images = [m.group(1) for m in (re.match(r"^FROM\s+(?:--\S+\s+)*(\S+)", line, re.I) for line in _lines()) if m]
    assert images, "no FROM line found"
    for image in images:
        assert image.startswith("public.ecr.aws/"), image


def test_no_syntax_directive_pulls_a_frontend_from_docker_hub():
    assert not [line for line in _lines() if re.match(r"^#\s*syntax\s*=", line, re.I)]


def test_both_stages_use_the_same_base():
    images = {m.group(1) for m in (re.match(r"^FROM\s+(\S+)", line, re.I) for line in _lines()) if m}
    assert len(images) == 1, images
