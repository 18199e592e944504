"""Install mmdet-attn: ``pip install -e .`` (see README for the full stack)."""
from pathlib import Path

from setuptools import find_packages, setup


def read_requirements(name: str) -> list:
    lines = Path(__file__).with_name(name).read_text().splitlines()
    return [ln.strip() for ln in lines if ln.strip() and not ln.startswith('#')]


setup(
    name='mmdet-attn',
    version='0.1.0',
    description='Attention-augmented CNN backbones for MMDetection',
    long_description=Path(__file__).with_name('README.md').read_text()
    if Path(__file__).with_name('README.md').exists() else '',
    long_description_content_type='text/markdown',
    packages=find_packages(include=['mmdet_attn', 'mmdet_attn.*']),
    python_requires='>=3.8',
    install_requires=['torch>=2.0'] + read_requirements('requirements.txt'),
    extras_require={'tests': read_requirements('requirements-test.txt')},
    license='Apache-2.0',
    zip_safe=False,
)
