package campaign

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io"
	"reflect"
	"strings"
	"text/template/parse"
	"time"

	"herald/internal/markup"
)

//go:embed templates/email.html templates/email.txt
var emailTemplates embed.FS

// Limits on custom templates. Editors write them, so they are trusted to
// mean well but not to be small or correct.
const (
	maxTemplateSource = 256 << 10
	maxTemplateOutput = 2 << 20
	// maxRangeDepth bounds nested loops: with at most 50 articles, a few
	// levels are plenty and many would run for hours without output.
	maxRangeDepth = 3
	// maxLoop is the most articles a campaign holds (see Validate), so
	// the most times a loop body runs.
	maxLoop = 50
	// maxWork bounds the actions a template may run, counting each one
	// as often as its enclosing loops can repeat it.
	maxWork = 2_000_000
)

// templateFuncs is everything a template may call besides the harmless
// built-ins safeBuiltin allows: formatting of the data it was given, nothing
// that reaches the environment, files, network or other subscribers.
func templateFuncs() template.FuncMap {
	return template.FuncMap{
		"formatDate": func(layout string, t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.Format(layout)
		},
		"upper":    strings.ToUpper,
		"lower":    strings.ToLower,
		"truncate": func(n int, s string) string { return markup.Excerpt(s, n) },
	}
}

// safeBuiltin reports whether a text/template built-in may be used. Left
// out: call (runs functions), html, js and urlquery (escaping is
// html/template's job, and doing it twice garbles the output).
func safeBuiltin(name string) bool {
	switch name {
	case "and", "or", "not", "eq", "ne", "lt", "le", "gt", "ge",
		"len", "index", "slice", "print", "printf", "println":
		return true
	}
	return false
}

// parseHTMLTemplate parses a custom layout, or the default one when src is
// empty, and refuses anything outside what the view and the allow-listed
// functions offer before it runs.
func parseHTMLTemplate(src string) (*template.Template, error) {
	if src == "" {
		b, err := emailTemplates.ReadFile("templates/email.html")
		if err != nil {
			return nil, fmt.Errorf("default template: %w", err)
		}
		src = string(b)
	}
	if len(src) > maxTemplateSource {
		return nil, fmt.Errorf("template is %d bytes, over the %d limit", len(src), maxTemplateSource)
	}
	t, err := template.New("email").Funcs(templateFuncs()).Parse(src)
	if err != nil {
		return nil, fmt.Errorf("template: %w", err)
	}
	c := checker{tmpl: t, funcs: templateFuncs(), fields: map[string]bool{}, calling: map[string]bool{}}
	collectFields(reflect.TypeFor[view](), c.fields)
	if err := c.template("email", 0); err != nil {
		return nil, fmt.Errorf("template: %w", err)
	}
	return t, nil
}

// checker walks a parsed template the way execution would, following
// {{template}} calls, so that what it refuses is refused at NewEmail and
// not halfway through a send.
type checker struct {
	tmpl    *template.Template
	funcs   template.FuncMap
	fields  map[string]bool
	calling map[string]bool // templates on the current call path
	work    int             // actions the template may run so far
}

func (c *checker) template(name string, depth int) error {
	t := c.tmpl.Lookup(name)
	if t == nil || t.Tree == nil {
		return fmt.Errorf("template %q is not defined", name)
	}
	if c.calling[name] {
		return fmt.Errorf("template %q calls itself", name)
	}
	c.calling[name] = true
	defer delete(c.calling, name)
	return c.node(t.Tree.Root, depth)
}

func (c *checker) node(n parse.Node, depth int) error {
	cost := 1
	for range depth {
		cost *= maxLoop
	}
	if c.work += cost; c.work > maxWork {
		return errors.New("template would run too many actions: loop over fewer things")
	}
	switch n := n.(type) {
	case nil:
		return nil
	case *parse.ListNode:
		if n == nil {
			return nil
		}
		for _, child := range n.Nodes {
			if err := c.node(child, depth); err != nil {
				return err
			}
		}
	case *parse.ActionNode:
		return c.node(n.Pipe, depth)
	case *parse.IfNode:
		return c.branch(&n.BranchNode, depth)
	case *parse.WithNode:
		return c.branch(&n.BranchNode, depth)
	case *parse.RangeNode:
		if depth >= maxRangeDepth {
			return fmt.Errorf("line %d: loops are nested more than %d deep", n.Line, maxRangeDepth)
		}
		if !overArticles(n.Pipe) {
			return fmt.Errorf("line %d: range may only loop over .Articles", n.Line)
		}
		return c.branch(&n.BranchNode, depth+1)
	case *parse.TemplateNode:
		if err := c.node(n.Pipe, depth); err != nil {
			return err
		}
		return c.template(n.Name, depth)
	case *parse.PipeNode:
		if n == nil {
			return nil
		}
		for _, cmd := range n.Cmds {
			if err := c.node(cmd, depth); err != nil {
				return err
			}
		}
	case *parse.CommandNode:
		for _, arg := range n.Args {
			if err := c.node(arg, depth); err != nil {
				return err
			}
		}
	case *parse.IdentifierNode:
		if _, ok := c.funcs[n.Ident]; !ok && !safeBuiltin(n.Ident) {
			return fmt.Errorf("function %q is not allowed in email templates", n.Ident)
		}
	case *parse.FieldNode:
		return c.idents(n.Ident)
	case *parse.VariableNode:
		return c.idents(n.Ident[1:]) // Ident[0] is the variable itself
	case *parse.ChainNode:
		if err := c.node(n.Node, depth); err != nil {
			return err
		}
		return c.idents(n.Field)
	}
	return nil
}

// overArticles reports whether a range loops over the view's articles,
// the one list it has. Anything else, a number above all, could loop for
// as long as it says.
func overArticles(p *parse.PipeNode) bool {
	if p == nil || len(p.Cmds) != 1 || len(p.Cmds[0].Args) != 1 {
		return false
	}
	switch a := p.Cmds[0].Args[0].(type) {
	case *parse.FieldNode:
		return len(a.Ident) == 1 && a.Ident[0] == "Articles"
	case *parse.VariableNode:
		return len(a.Ident) == 2 && a.Ident[0] == "$" && a.Ident[1] == "Articles"
	}
	return false
}

func (c *checker) branch(b *parse.BranchNode, depth int) error {
	if err := c.node(b.Pipe, depth); err != nil {
		return err
	}
	if err := c.node(b.List, depth); err != nil {
		return err
	}
	return c.node(b.ElseList, depth)
}

func (c *checker) idents(names []string) error {
	for _, name := range names {
		if !c.fields[name] {
			return fmt.Errorf("there is no field %q for email templates", name)
		}
	}
	return nil
}

// collectFields gathers the names of the exported fields a template can
// reach from t. Methods are left out on purpose: only data is offered.
func collectFields(t reflect.Type, into map[string]bool) {
	for t.Kind() == reflect.Slice || t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || t == reflect.TypeFor[time.Time]() {
		return
	}
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() || into[f.Name] {
			continue
		}
		into[f.Name] = true
		collectFields(f.Type, into)
	}
}

// errTooLarge stops a template whose output passes maxTemplateOutput.
var errTooLarge = errors.New("template output is over the size limit")

// limitWriter collects output up to a size, so that a template that
// multiplies its input cannot fill the memory.
type limitWriter struct {
	buf bytes.Buffer
	max int
}

func (w *limitWriter) Write(p []byte) (int, error) {
	if w.buf.Len()+len(p) > w.max {
		return 0, errTooLarge
	}
	return w.buf.Write(p)
}

// bounded runs a template through a limitWriter and returns its output.
func bounded(run func(io.Writer) error) (string, error) {
	w := &limitWriter{max: maxTemplateOutput}
	if err := run(w); err != nil {
		return "", err
	}
	return w.buf.String(), nil
}
