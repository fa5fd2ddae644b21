// render renders a Helm chart the way `helm template` does, for machines without Helm: Go's
// text/template with the sprig functions, plus the few things Helm adds on top (values files
// merged over values.yaml, --set, .Release/.Chart/.Capabilities/.Template/.Files, include, tpl,
// required, toYaml/fromYaml/toJson/fromJson, lookup, the chart's kubeVersion constraint).
// It prints every rendered object as one multi-document YAML stream on stdout and checks that
// each document is valid YAML with apiVersion and kind.
//
// Built in GOPATH mode from Debian packages only (scripts/chart/render.sh installs them):
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go run scripts/chart/render.go [flags] [chart-dir]
//
// Flags: -f/--values FILE (repeatable), --set key.path=value (repeatable), --release-name,
// --namespace, --kube-version, --api-versions a/v1,b/v2, --notes (print NOTES.txt instead),
// --strict (a missing map key is an error, as in `helm lint --strict`).
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"text/template"

	"github.com/Masterminds/semver"
	"github.com/Masterminds/sprig"
	"gopkg.in/yaml.v3"
)

// Chart is .Chart: the fields of Chart.yaml that templates use, spelled as Helm spells them.
type Chart struct {
	APIVersion  string            `yaml:"apiVersion"`
	Name        string            `yaml:"name"`
	Version     string            `yaml:"version"`
	AppVersion  string            `yaml:"appVersion"`
	KubeVersion string            `yaml:"kubeVersion"`
	Description string            `yaml:"description"`
	Type        string            `yaml:"type"`
	Home        string            `yaml:"home"`
	Icon        string            `yaml:"icon"`
	Keywords    []string          `yaml:"keywords"`
	Sources     []string          `yaml:"sources"`
	Annotations map[string]string `yaml:"annotations"`
	Deprecated  bool              `yaml:"deprecated"`
}

// KubeVersion is .Capabilities.KubeVersion.
type KubeVersion struct {
	Version    string
	Major      string
	Minor      string
	GitVersion string
}

func (k KubeVersion) String() string { return k.Version }

// VersionSet is .Capabilities.APIVersions.
type VersionSet []string

// Has reports whether an apiVersion (`apps/v1`) or a resource (`apps/v1/Deployment`) is known.
func (v VersionSet) Has(apiVersion string) bool {
	for _, x := range v {
		if x == apiVersion {
			return true
		}
	}
	return false
}

// Capabilities is .Capabilities.
type Capabilities struct {
	KubeVersion KubeVersion
	APIVersions VersionSet
	HelmVersion map[string]string
}

// Files is .Files: the chart's non-template files.
type Files map[string][]byte

// Get returns a file's content, or "" when it does not exist.
func (f Files) Get(name string) string { return string(f[name]) }

// GetBytes returns a file's content as bytes.
func (f Files) GetBytes(name string) []byte { return f[name] }

// Glob returns the files whose names match a path.Match pattern.
func (f Files) Glob(pattern string) Files {
	out := Files{}
	for name, data := range f {
		if ok, _ := path.Match(pattern, name); ok {
			out[name] = data
		}
	}
	return out
}

// The API versions a v1.25+ cluster serves, for .Capabilities.APIVersions.Has.
var defaultAPIVersions = []string{
	"v1", "apps/v1", "batch/v1", "autoscaling/v1", "autoscaling/v2", "policy/v1",
	"networking.k8s.io/v1", "rbac.authorization.k8s.io/v1", "storage.k8s.io/v1",
	"scheduling.k8s.io/v1", "node.k8s.io/v1", "coordination.k8s.io/v1", "discovery.k8s.io/v1",
	"apiextensions.k8s.io/v1", "admissionregistration.k8s.io/v1", "certificates.k8s.io/v1",
	"events.k8s.io/v1", "flowcontrol.apiserver.k8s.io/v1",
}

type multiFlag []string

func (m *multiFlag) add(v string) { *m = append(*m, v) }

type options struct {
	chartDir    string
	values      multiFlag
	sets        multiFlag
	releaseName string
	namespace   string
	kubeVersion string
	apiVersions multiFlag
	notes       bool
	strict      bool
}

func main() {
	opts, err := parseArgs(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "render:", err)
		fmt.Fprintln(os.Stderr, "usage: render [-f values.yaml]... [--set a.b=c]... [--release-name N] [--namespace NS] [--kube-version v1.33.0] [--notes] [--strict] [chart-dir]")
		os.Exit(2)
	}
	out, err := render(opts)
	if err != nil {
		fmt.Fprintln(os.Stderr, "render:", err)
		os.Exit(1)
	}
	os.Stdout.WriteString(out)
}

func parseArgs(args []string) (*options, error) {
	o := &options{releaseName: "aikit", namespace: "default", kubeVersion: "v1.33.0"}
	var positional []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		name, value, hasValue := strings.Cut(a, "=")
		if !strings.HasPrefix(a, "-") {
			positional = append(positional, a)
			continue
		}
		if name == "--notes" {
			o.notes = true
			continue
		}
		if name == "--strict" {
			o.strict = true
			continue
		}
		if !hasValue {
			if i+1 >= len(args) {
				return nil, fmt.Errorf("%s needs a value", name)
			}
			i++
			value = args[i]
		}
		switch name {
		case "-f", "--values":
			o.values.add(value)
		case "--set":
			o.sets.add(value)
		case "--release-name", "--name":
			o.releaseName = value
		case "-n", "--namespace":
			o.namespace = value
		case "--kube-version":
			o.kubeVersion = value
		case "--api-versions", "-a":
			for _, v := range strings.Split(value, ",") {
				o.apiVersions.add(strings.TrimSpace(v))
			}
		default:
			return nil, fmt.Errorf("unknown flag %s", name)
		}
	}
	switch len(positional) {
	case 0:
		o.chartDir = "charts/aikit"
	case 1:
		o.chartDir = positional[0]
	default:
		return nil, fmt.Errorf("one chart directory expected, got %v", positional)
	}
	return o, nil
}

func render(o *options) (string, error) {
	chart, err := loadChart(o.chartDir)
	if err != nil {
		return "", err
	}
	kube, err := kubeVersion(o.kubeVersion)
	if err != nil {
		return "", err
	}
	if chart.KubeVersion != "" {
		c, err := semver.NewConstraint(chart.KubeVersion)
		if err != nil {
			return "", fmt.Errorf("Chart.yaml kubeVersion %q: %w", chart.KubeVersion, err)
		}
		v, _ := semver.NewVersion(kube.Version)
		if !c.Check(v) {
			return "", fmt.Errorf("chart requires kubeVersion %s, which is incompatible with Kubernetes %s", chart.KubeVersion, kube.Version)
		}
	}

	values, err := readYAMLMap(filepath.Join(o.chartDir, "values.yaml"))
	if err != nil {
		return "", err
	}
	for _, f := range o.values {
		user, err := readYAMLMap(f)
		if err != nil {
			return "", err
		}
		coalesce(values, user)
	}
	for _, s := range o.sets {
		if err := applySet(values, s); err != nil {
			return "", err
		}
	}

	files, templates, err := chartFiles(o.chartDir, chart.Name)
	if err != nil {
		return "", err
	}

	apiVersions := append(VersionSet{}, defaultAPIVersions...)
	apiVersions = append(apiVersions, o.apiVersions...)
	top := map[string]interface{}{
		"Values": values,
		"Release": map[string]interface{}{
			"Name":      o.releaseName,
			"Namespace": o.namespace,
			"Service":   "Helm",
			"IsInstall": true,
			"IsUpgrade": false,
			"Revision":  1,
		},
		"Chart": chart,
		"Capabilities": &Capabilities{
			KubeVersion: kube,
			APIVersions: apiVersions,
			HelmVersion: map[string]string{"Version": "v3.18.0"},
		},
		"Files": files,
	}

	root := template.New("chart")
	// Helm renders with missingkey=zero; `helm lint --strict` with missingkey=error.
	if o.strict {
		root.Option("missingkey=error")
	} else {
		root.Option("missingkey=zero")
	}
	includeDepth := 0
	funcs := sprig.TxtFuncMap()
	// Helm removes these two: a chart must not read the renderer's environment.
	delete(funcs, "env")
	delete(funcs, "expandenv")
	funcs["toYaml"] = toYAML
	funcs["mustToYaml"] = mustToYAML
	funcs["fromYaml"] = fromYAML
	funcs["fromYamlArray"] = fromYAMLArray
	funcs["toJson"] = toJSON
	funcs["mustToJson"] = mustToJSON
	funcs["fromJson"] = fromJSON
	funcs["fromJsonArray"] = fromJSONArray
	funcs["required"] = required
	funcs["lookup"] = func(string, string, string, string) (map[string]interface{}, error) {
		return map[string]interface{}{}, nil
	}
	funcs["include"] = func(name string, data interface{}) (string, error) {
		if includeDepth > 1000 {
			return "", fmt.Errorf("rendering template has a nested reference name: %s", name)
		}
		includeDepth++
		defer func() { includeDepth-- }()
		var buf bytes.Buffer
		if err := root.ExecuteTemplate(&buf, name, data); err != nil {
			return "", err
		}
		return buf.String(), nil
	}
	funcs["tpl"] = func(text string, data interface{}) (string, error) {
		t, err := root.Clone()
		if err != nil {
			return "", err
		}
		t, err = t.New("tpl").Parse(text)
		if err != nil {
			return "", fmt.Errorf("tpl: %w", err)
		}
		var buf bytes.Buffer
		if err := t.Execute(&buf, data); err != nil {
			return "", fmt.Errorf("tpl: %w", err)
		}
		return strings.ReplaceAll(buf.String(), "<no value>", ""), nil
	}
	root.Funcs(funcs)

	names := make([]string, 0, len(templates))
	for name := range templates {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if _, err := root.New(name).Parse(templates[name]); err != nil {
			return "", err
		}
	}

	basePath := chart.Name + "/templates"
	exec := func(name string) (string, error) {
		scope := make(map[string]interface{}, len(top)+1)
		for k, v := range top {
			scope[k] = v
		}
		scope["Template"] = map[string]interface{}{"Name": name, "BasePath": basePath}
		var buf bytes.Buffer
		if err := root.ExecuteTemplate(&buf, name, scope); err != nil {
			return "", cleanError(err)
		}
		return strings.ReplaceAll(buf.String(), "<no value>", ""), nil
	}

	if o.notes {
		name := basePath + "/NOTES.txt"
		if _, ok := templates[name]; !ok {
			return "", errors.New("the chart has no templates/NOTES.txt")
		}
		return exec(name)
	}

	var out strings.Builder
	for _, name := range names {
		base := path.Base(name)
		// Partials (_*.tpl) only define templates; NOTES.txt is printed by --notes.
		if strings.HasPrefix(base, "_") || base == "NOTES.txt" {
			continue
		}
		text, err := exec(name)
		if err != nil {
			return "", err
		}
		for i, doc := range splitDocuments(text) {
			if err := checkDocument(doc); err != nil {
				return "", fmt.Errorf("%s: document %d: %w\n%s", name, i+1, err, numbered(doc))
			}
			fmt.Fprintf(&out, "---\n# Source: %s\n%s\n", name, strings.Trim(doc, "\n"))
		}
	}
	return out.String(), nil
}

func loadChart(dir string) (*Chart, error) {
	data, err := os.ReadFile(filepath.Join(dir, "Chart.yaml"))
	if err != nil {
		return nil, err
	}
	var c Chart
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("Chart.yaml: %w", err)
	}
	if c.APIVersion != "v2" || c.Name == "" || c.Version == "" {
		return nil, errors.New("Chart.yaml needs apiVersion: v2, name and version")
	}
	if _, err := semver.StrictNewVersion(c.Version); err != nil {
		return nil, fmt.Errorf("Chart.yaml version %q is not SemVer 2: %w", c.Version, err)
	}
	return &c, nil
}

func kubeVersion(s string) (KubeVersion, error) {
	v, err := semver.NewVersion(s)
	if err != nil {
		return KubeVersion{}, fmt.Errorf("--kube-version %q: %w", s, err)
	}
	version := "v" + v.String()
	return KubeVersion{
		Version:    version,
		Major:      strconv.FormatUint(v.Major(), 10),
		Minor:      strconv.FormatUint(v.Minor(), 10),
		GitVersion: version,
	}, nil
}

// chartFiles reads templates/ (by their Helm names, <chart>/templates/...) and every other file
// of the chart for .Files, minus Chart.yaml and values files.
func chartFiles(dir, chartName string) (Files, map[string]string, error) {
	files := Files{}
	templates := map[string]string{}
	err := filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if info.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if strings.HasPrefix(rel, "templates/") {
			templates[chartName+"/"+rel] = string(data)
			return nil
		}
		if rel == "Chart.yaml" || rel == "values.yaml" || rel == ".helmignore" {
			return nil
		}
		files[rel] = data
		return nil
	})
	return files, templates, err
}

func readYAMLMap(file string) (map[string]interface{}, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var v map[string]interface{}
	if err := yaml.Unmarshal(data, &v); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if v == nil {
		v = map[string]interface{}{}
	}
	return v, nil
}

// coalesce merges src over dst as Helm merges user values over the chart's: maps merge key by
// key, anything else replaces, and null deletes the key.
func coalesce(dst, src map[string]interface{}) {
	for k, sv := range src {
		if sv == nil {
			delete(dst, k)
			continue
		}
		sm, sIsMap := sv.(map[string]interface{})
		dm, dIsMap := dst[k].(map[string]interface{})
		if sIsMap && dIsMap {
			coalesce(dm, sm)
			continue
		}
		dst[k] = sv
	}
}

// applySet applies one --set a.b.c=value (value read as a YAML scalar: true, 1, null, text).
// Lists are not supported by this small renderer.
func applySet(values map[string]interface{}, s string) error {
	key, raw, ok := strings.Cut(s, "=")
	if !ok || key == "" {
		return fmt.Errorf("--set %q: want key=value", s)
	}
	var value interface{}
	if err := yaml.Unmarshal([]byte(raw), &value); err != nil {
		value = raw
	}
	if _, isMap := value.(map[string]interface{}); isMap {
		value = raw
	}
	if _, isList := value.([]interface{}); isList {
		value = raw
	}
	parts := strings.Split(key, ".")
	m := values
	for _, p := range parts[:len(parts)-1] {
		next, ok := m[p].(map[string]interface{})
		if !ok {
			next = map[string]interface{}{}
			m[p] = next
		}
		m = next
	}
	last := parts[len(parts)-1]
	if value == nil {
		delete(m, last)
	} else {
		m[last] = value
	}
	return nil
}

func splitDocuments(text string) []string {
	var docs []string
	var cur []string
	flush := func() {
		doc := strings.Join(cur, "\n")
		cur = nil
		if !onlyCommentsOrBlank(doc) {
			docs = append(docs, doc)
		}
	}
	for _, line := range strings.Split(text, "\n") {
		if strings.TrimRight(line, " \t") == "---" {
			flush()
			continue
		}
		cur = append(cur, line)
	}
	flush()
	return docs
}

func onlyCommentsOrBlank(doc string) bool {
	for _, line := range strings.Split(doc, "\n") {
		t := strings.TrimSpace(line)
		if t != "" && !strings.HasPrefix(t, "#") {
			return false
		}
	}
	return true
}

// checkDocument makes sure a rendered document is one YAML mapping with apiVersion and kind.
func checkDocument(doc string) error {
	var obj map[string]interface{}
	dec := yaml.NewDecoder(strings.NewReader(doc))
	if err := dec.Decode(&obj); err != nil {
		return fmt.Errorf("invalid YAML: %w", err)
	}
	if _, ok := obj["apiVersion"].(string); !ok {
		return errors.New("no apiVersion")
	}
	if _, ok := obj["kind"].(string); !ok {
		return errors.New("no kind")
	}
	return nil
}

func numbered(doc string) string {
	var b strings.Builder
	for i, line := range strings.Split(doc, "\n") {
		fmt.Fprintf(&b, "%4d | %s\n", i+1, line)
	}
	return b.String()
}

// cleanError drops text/template's "template: x:" preamble duplication, keeping the location.
func cleanError(err error) error {
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "template: ")
	return errors.New(msg)
}

func required(msg string, v interface{}) (interface{}, error) {
	if v == nil {
		return v, errors.New(msg)
	}
	if s, ok := v.(string); ok && s == "" {
		return v, errors.New(msg)
	}
	return v, nil
}

func marshalYAML(v interface{}) (string, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	if err := enc.Close(); err != nil {
		return "", err
	}
	return strings.TrimSuffix(buf.String(), "\n"), nil
}

// toYAML is Helm's toYaml: errors become "" (mustToYaml reports them).
func toYAML(v interface{}) string {
	s, err := marshalYAML(v)
	if err != nil {
		return ""
	}
	return s
}

func mustToYAML(v interface{}) (string, error) { return marshalYAML(v) }

// fromYAML is Helm's fromYaml: a map, with an "Error" key when the text is not a YAML map.
func fromYAML(s string) map[string]interface{} {
	m := map[string]interface{}{}
	if err := yaml.Unmarshal([]byte(s), &m); err != nil {
		m["Error"] = err.Error()
	}
	return m
}

// fromYAMLArray is Helm's fromYamlArray.
func fromYAMLArray(s string) []interface{} {
	var a []interface{}
	if err := yaml.Unmarshal([]byte(s), &a); err != nil {
		a = []interface{}{err.Error()}
	}
	return a
}

func toJSON(v interface{}) string {
	s, err := mustToJSON(v)
	if err != nil {
		return ""
	}
	return s
}

func mustToJSON(v interface{}) (string, error) {
	data, err := json.Marshal(jsonable(v))
	if err != nil {
		return "", err
	}
	return string(data), nil
}

func fromJSON(s string) map[string]interface{} {
	m := map[string]interface{}{}
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		m["Error"] = err.Error()
	}
	return m
}

func fromJSONArray(s string) []interface{} {
	var a []interface{}
	if err := json.Unmarshal([]byte(s), &a); err != nil {
		a = []interface{}{err.Error()}
	}
	return a
}

// jsonable turns the map[interface{}]interface{} that YAML can produce into JSON-encodable maps.
func jsonable(v interface{}) interface{} {
	switch x := v.(type) {
	case map[interface{}]interface{}:
		m := make(map[string]interface{}, len(x))
		for k, e := range x {
			m[fmt.Sprint(k)] = jsonable(e)
		}
		return m
	case map[string]interface{}:
		m := make(map[string]interface{}, len(x))
		for k, e := range x {
			m[k] = jsonable(e)
		}
		return m
	case []interface{}:
		a := make([]interface{}, len(x))
		for i, e := range x {
			a[i] = jsonable(e)
		}
		return a
	default:
		return v
	}
}
