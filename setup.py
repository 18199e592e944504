"""Install mmdet-attn: ``pip install -e .`` (see README for the full stack).

A non-editable build (``pip install .``, ``pip wheel .``) ships the configs
and the tools under ``mmdet_attn/.mim/``, as OpenMMLab packages do;
``research/`` (the studies, their ledgers, profilers) stays in the checkout.
"""
import shutil
import sys
from pathlib import Path
from setuptools import find_packages, setup

ROOT = Path(__file__).resolve().parent
#: What ``mim`` looks for in ``<package>/.mim/`` (``mim search`` reads
#: ``model-index.yml``, which imports ``configs/metafiles/*.yml``).
MIM_FILES = ('configs', 'tools', 'model-index.yml')


def read_requirements(name: str) -> list:
    lines = (ROOT / name).read_text().splitlines()
    return [
        ln.strip() for ln in lines if ln.strip() and not ln.startswith('#')
    ]


def add_mim_extension() -> None:
    """Copy :data:`MIM_FILES` into ``mmdet_attn/.mim/`` for the commands
    that build a distribution; an editable install needs no copy."""
    if not {'bdist_wheel', 'sdist', 'install'} & set(sys.argv[1:]):
        return
    mim_dir = ROOT / 'mmdet_attn' / '.mim'
    if mim_dir.exists():
        shutil.rmtree(mim_dir)
    mim_dir.mkdir()
    for name in MIM_FILES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(
                source,
                mim_dir / name,
                ignore=shutil.ignore_patterns('__pycache__', '*.pyc'))
        else:
            shutil.copy(source, mim_dir / name)


add_mim_extension()
setup(
    name='mmdet-attn',
    version='0.1.0',
    description='Attention-augmented CNN backbones for MMDetection',
    long_description=(ROOT / 'README.md').read_text() if
    (ROOT / 'README.md').exists() else '',
    long_description_content_type='text/markdown',
    packages=find_packages(include=['mmdet_attn', 'mmdet_attn.*']),
    package_data={
        'mmdet_attn': [
            '.mim/configs/**/*.py', '.mim/configs/**/*.yml',
            '.mim/model-index.yml', '.mim/tools/**/*.py', '.mim/tools/**/*.sh'
        ]
    },
    python_requires='>=3.8',
    install_requires=['torch>=2.0'] + read_requirements('requirements.txt'),
    extras_require={
        'tests': read_requirements('requirements-test.txt'),
        'deploy': read_requirements('requirements-deploy.txt'),
    },
    license='Apache-2.0',
    zip_safe=False,
)
