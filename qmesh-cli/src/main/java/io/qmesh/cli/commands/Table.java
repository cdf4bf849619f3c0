package io.qmesh.cli.commands;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/** A plain-text table with columns as wide as their widest cell, like kubectl's and istioctl's. */
final class Table {
    private final List<String[]> rows = new ArrayList<>();

    Table(String... header) {
        rows.add(header);
    }

    Table row(Object... cells) {
        String[] r = new String[cells.length];
        for (int i = 0; i < cells.length; i++) {
            r[i] = cells[i] == null ? "" : cells[i].toString();
        }
        rows.add(r);
        return this;
    }

    int size() {
        return rows.size() - 1;
    }

    void print(PrintStream out) {
        int columns = rows.get(0).length;
        int[] width = new int[columns];
        for (String[] r : rows) {
            for (int i = 0; i < columns && i < r.length; i++) {
                width[i] = Math.max(width[i], r[i].length());
            }
        }
        for (String[] r : rows) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < columns; i++) {
                String cell = i < r.length ? r[i] : "";
                sb.append(cell);
                if (i < columns - 1) {
                    sb.append(" ".repeat(width[i] - cell.length() + 3));
                }
            }
            out.println(sb.toString().stripTrailing());
        }
    }
}
