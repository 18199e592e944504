"""Count the lines of Python folders: total, code and docstring lines, and
the docstring share, the measure of the lean redesign (docs/architecture.md).

A docstring line is a line of a module's, class's or function's docstring
(its first statement, a string literal); a code line is any other line
that is neither blank nor only a comment. The share is docstring lines
over code plus docstring lines. Compare two commits by running this in a
checkout (or a ``git worktree``) of each.

Example:
    python research/line_counts.py mmdet_attn/models/layers \\
        mmdet_attn/models/backbones mmdet_attn tools
"""
import argparse
import ast
import tokenize
from pathlib import Path
from typing import Dict, List, Optional, Set

#: The nodes whose first statement, a string literal, is a docstring.
DOCUMENTED = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)


def docstring_lines(tree: ast.AST) -> Set[int]:
    """The line numbers (1-based) of every docstring in ``tree``."""
    lines: Set[int] = set()
    for node in ast.walk(tree):
        if not isinstance(node, DOCUMENTED):
            continue
        body = node.body
        if (body and isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)):
            lines.update(range(body[0].lineno, body[0].end_lineno + 1))
    return lines


def count_file(path: Path) -> Dict[str, int]:
    """``total``, ``code`` and ``doc`` line counts of one Python file."""
    text = path.read_text()
    docs = docstring_lines(ast.parse(text))
    comments = set()
    with path.open('rb') as f:
        for token in tokenize.tokenize(f.readline):
            if token.type == tokenize.COMMENT:
                comments.add(token.start[0])
    lines = text.splitlines()
    code = sum(1 for number, line in enumerate(lines, 1)
               if line.strip() and number not in docs
               and not (number in comments and line.strip().startswith('#')))
    return dict(total=len(lines), code=code, doc=len(docs))


def count_folder(folder: Path) -> Dict[str, int]:
    """The sums of :func:`count_file` over the ``*.py`` files below
    ``folder`` (or of ``folder`` itself when it is a file)."""
    files = [folder] if folder.is_file() else sorted(folder.rglob('*.py'))
    totals = dict(total=0, code=0, doc=0)
    for path in files:
        for key, value in count_file(path).items():
            totals[key] += value
    return totals


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('folders', nargs='+', type=Path)
    args = parser.parse_args(argv)
    print('| folder | total | code | docstring | docstring share |')
    print('| --- | ---: | ---: | ---: | ---: |')
    for folder in args.folders:
        c = count_folder(folder)
        share = c['doc'] / max(c['code'] + c['doc'], 1)
        print(f'| {folder} | {c["total"]} | {c["code"]} | {c["doc"]} '
              f'| {share:.0%} |')


if __name__ == '__main__':
    main()
