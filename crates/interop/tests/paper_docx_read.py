"""Reads a .docx with python-docx (a library khaothi did not write) and prints what a teacher sees:
every body paragraph's text, every table's cells, the number of Word equations and pictures, the
page size and the footer's text. Used by paper_docx.rs; python-docx is Debian's python3-docx."""
import json
import sys

import docx

M = '{http://schemas.openxmlformats.org/officeDocument/2006/math}'

document = docx.Document(sys.argv[1])
body = document.element.body
section = document.sections[0]
print(json.dumps({
    'paragraphs': [p.text for p in document.paragraphs],
    'tables': [[[cell.text for cell in row.cells] for row in table.rows] for table in document.tables],
    'equations': len(body.findall('.//' + M + 'oMath')),
    'pictures': len(document.inline_shapes),
    'page': [section.page_width.mm, section.page_height.mm],
    'footer': ''.join(p.text for p in section.footer.paragraphs),
    'footer_fields': section.footer._element.xml.count('fldSimple w:instr'),
}, ensure_ascii=False))
