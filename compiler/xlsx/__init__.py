"""Sheet writers of クロスリファレンス.xlsx; `compiler.render_xlsx.write_crossref` puts them in order."""
