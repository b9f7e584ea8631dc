package transfer

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
)

// kind groups column types that hold the same values in both engines, so
// that INTEGER in SQLite and BIGINT in PostgreSQL count as one type.
type kind string

const (
	kindInt   kind = "integer"
	kindFloat kind = "real"
	kindText  kind = "text"
	kindJSON  kind = "json" // text in SQLite; read back as text from PostgreSQL
	kindBytes kind = "blob"
)

type column struct {
	name string
	typ  string // as the engine declares it, for messages
	kind kind   // "" when the type is not one this copy understands
}

// table is one table as one engine describes it. Columns are in the
// engine's order; pk lists the primary key's columns in key order.
type table struct {
	name string
	cols []column
	pk   []string
}

func (t table) column(name string) (column, bool) {
	for _, c := range t.cols {
		if c.name == name {
			return c, true
		}
	}
	return column{}, false
}

// schemaMigrationTable records each engine's own applied migrations; its
// rows are compared, not copied.
const schemaMigrationTable = "schema_migration"

// sqliteKind applies SQLite's type affinity rules to a declared type.
func sqliteKind(declared string) kind {
	t := strings.ToUpper(declared)
	switch {
	case strings.Contains(t, "INT"):
		return kindInt
	case strings.Contains(t, "CHAR"), strings.Contains(t, "CLOB"), strings.Contains(t, "TEXT"):
		return kindText
	case strings.Contains(t, "BLOB"):
		return kindBytes
	case strings.Contains(t, "REAL"), strings.Contains(t, "FLOA"), strings.Contains(t, "DOUB"):
		return kindFloat
	}
	return ""
}

func postgresKind(dataType string) kind {
	switch dataType {
	case "bigint", "integer", "smallint":
		return kindInt
	case "double precision", "real":
		return kindFloat
	case "text", "character varying", "character":
		return kindText
	case "json":
		return kindJSON
	case "bytea":
		return kindBytes
	}
	return ""
}

// sqliteSchema reads the source's tables and columns inside its snapshot.
func sqliteSchema(ctx context.Context, tx *sql.Tx) (map[string]table, error) {
	rows, err := tx.QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\' ORDER BY name`)
	if err != nil {
		return nil, err
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return nil, err
		}
		names = append(names, n)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	tables := map[string]table{}
	for _, name := range names {
		t := table{name: name}
		pk := map[int]string{}
		rows, err := tx.QueryContext(ctx, `SELECT name, type, pk FROM pragma_table_info(?) ORDER BY cid`, name)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var c column
			var pos int
			if err := rows.Scan(&c.name, &c.typ, &pos); err != nil {
				rows.Close()
				return nil, err
			}
			c.kind = sqliteKind(c.typ)
			t.cols = append(t.cols, c)
			if pos > 0 {
				pk[pos] = c.name
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		for i := 1; i <= len(pk); i++ {
			t.pk = append(t.pk, pk[i])
		}
		tables[name] = t
	}
	return tables, nil
}

// postgresSchema reads the target's tables and columns in the current
// schema, where the store's migrations create them.
func postgresSchema(ctx context.Context, tx pgx.Tx) (map[string]table, error) {
	rows, err := tx.Query(ctx, `SELECT c.table_name, c.column_name, c.data_type
		FROM information_schema.columns c
		JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
		WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
		ORDER BY c.table_name, c.ordinal_position`)
	if err != nil {
		return nil, err
	}
	tables := map[string]table{}
	for rows.Next() {
		var tname string
		var c column
		if err := rows.Scan(&tname, &c.name, &c.typ); err != nil {
			rows.Close()
			return nil, err
		}
		c.kind = postgresKind(c.typ)
		t := tables[tname]
		t.name = tname
		t.cols = append(t.cols, c)
		tables[tname] = t
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = tx.Query(ctx, `SELECT k.table_name, k.column_name
		FROM information_schema.table_constraints c
		JOIN information_schema.key_column_usage k
			ON k.constraint_schema = c.constraint_schema AND k.constraint_name = c.constraint_name AND k.table_name = c.table_name
		WHERE c.table_schema = current_schema() AND c.constraint_type = 'PRIMARY KEY'
		ORDER BY k.table_name, k.ordinal_position`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var tname, col string
		if err := rows.Scan(&tname, &col); err != nil {
			return nil, err
		}
		if t, ok := tables[tname]; ok {
			t.pk = append(t.pk, col)
			tables[tname] = t
		}
	}
	return tables, rows.Err()
}

// compareSchemas lists every way the two schemas disagree on tables,
// columns and column types; an empty list means the data fits.
func compareSchemas(source, target map[string]table) []string {
	var problems []string
	for _, name := range sortedNames(source) {
		if name == schemaMigrationTable {
			continue
		}
		s := source[name]
		t, ok := target[name]
		if !ok {
			problems = append(problems, fmt.Sprintf("table %s is in the source only", name))
			continue
		}
		for _, sc := range s.cols {
			tc, ok := t.column(sc.name)
			switch {
			case !ok:
				problems = append(problems, fmt.Sprintf("column %s.%s is in the source only", name, sc.name))
			case sc.kind == "":
				problems = append(problems, fmt.Sprintf("column %s.%s has type %s in the source, which cannot be copied", name, sc.name, sc.typ))
			case tc.kind == "":
				problems = append(problems, fmt.Sprintf("column %s.%s has type %s in the target, which cannot be copied", name, sc.name, tc.typ))
			case sc.kind != tc.kind && !(sc.kind == kindText && tc.kind == kindJSON):
				problems = append(problems, fmt.Sprintf("column %s.%s is %s in the source but %s in the target", name, sc.name, sc.typ, tc.typ))
			}
		}
		for _, tc := range t.cols {
			if _, ok := s.column(tc.name); !ok {
				problems = append(problems, fmt.Sprintf("column %s.%s is in the target only", name, tc.name))
			}
		}
		if !slices.Equal(s.pk, t.pk) {
			problems = append(problems, fmt.Sprintf("the primary key of %s is (%s) in the source but (%s) in the target",
				name, strings.Join(s.pk, ", "), strings.Join(t.pk, ", ")))
		}
	}
	for _, name := range sortedNames(target) {
		if _, ok := source[name]; !ok && name != schemaMigrationTable {
			problems = append(problems, fmt.Sprintf("table %s is in the target only", name))
		}
	}
	return problems
}

func sortedNames(m map[string]table) []string {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// copyOrder puts every table after the tables its foreign keys point to,
// as the target declares them, so that each row's references exist when
// it arrives. Ties go by name, so the order is the same on every run.
func copyOrder(ctx context.Context, tx pgx.Tx, tables []string) ([]string, error) {
	rows, err := tx.Query(ctx, `SELECT cl.relname::text, ref.relname::text
		FROM pg_constraint co
		JOIN pg_class cl ON cl.oid = co.conrelid
		JOIN pg_class ref ON ref.oid = co.confrelid
		WHERE co.contype = 'f' AND cl.relnamespace = current_schema()::regnamespace`)
	if err != nil {
		return nil, err
	}
	needs := map[string]map[string]bool{}
	for rows.Next() {
		var from, to string
		if err := rows.Scan(&from, &to); err != nil {
			rows.Close()
			return nil, err
		}
		if from == to {
			continue // rows pointing into their own table arrive in key order
		}
		if needs[from] == nil {
			needs[from] = map[string]bool{}
		}
		needs[from][to] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	left := slices.Sorted(slices.Values(tables))
	done := map[string]bool{}
	var order []string
	for len(left) > 0 {
		next := -1
		for i, t := range left {
			ready := true
			for dep := range needs[t] {
				if !done[dep] && slices.Contains(left, dep) {
					ready = false
					break
				}
			}
			if ready {
				next = i
				break
			}
		}
		if next < 0 {
			return nil, fmt.Errorf("the foreign keys among %s form a cycle", strings.Join(left, ", "))
		}
		done[left[next]] = true
		order = append(order, left[next])
		left = slices.Delete(left, next, next+1)
	}
	return order, nil
}

// sqliteVersions and postgresVersions list the applied migrations.
func sqliteVersions(ctx context.Context, tx *sql.Tx) ([]int64, error) {
	rows, err := tx.QueryContext(ctx, `SELECT version FROM schema_migration ORDER BY version`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var vs []int64
	for rows.Next() {
		var v int64
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		vs = append(vs, v)
	}
	return vs, rows.Err()
}

func postgresVersions(ctx context.Context, tx pgx.Tx) ([]int64, error) {
	rows, err := tx.Query(ctx, `SELECT version FROM schema_migration ORDER BY version`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[int64])
}
