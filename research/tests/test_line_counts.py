"""research/line_counts.py: code, docstring and total lines of a file."""
from research_runner import load_script, run_script


def test_counts_docstrings_code_and_comments(tmp_path):
    source = tmp_path / 'layer.py'
    source.write_text('"""A module.\n\nMore."""\n'
                      '# a comment\n'
                      '\n'
                      'class A:\n'
                      '    """One line."""\n'
                      '\n'
                      '    def f(self):  # trailing comment\n'
                      '        """Two\n        lines."""\n'
                      '        return "not a docstring"\n')
    counts = load_script('line_counts.py').count_file(source)
    # Docstrings: the module's 3 lines, the class's 1, the method's 2;
    # code: class, def and return (the comment-only and blank lines not).
    assert counts == dict(total=12, code=3, doc=6)


def test_table_of_a_folder(tmp_path):
    (tmp_path / 'pkg').mkdir()
    (tmp_path / 'pkg' / 'a.py').write_text('"""Doc."""\nx = 1\n')
    (tmp_path / 'pkg' / 'b.py').write_text('y = 2\n')
    proc = run_script('line_counts.py', str(tmp_path / 'pkg'))
    assert proc.returncode == 0, proc.stderr
    row = proc.stdout.splitlines()[-1]
    assert row.endswith('| 3 | 2 | 1 | 33% |')
