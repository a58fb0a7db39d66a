package cli

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"mostrador/assets"
)

// translationKey is what a message key looks like: a prefix (cli, import,
// reject, appt, ...), then dot-separated names (cli.usage, appt.status.no_show).
var translationKey = regexp.MustCompile(`^([a-z]+)(\.[a-z][A-Za-z0-9_]*)+$`)

// dynamicKeys are the keys the code builds as prefix + value; every value the
// code can produce must have a message.
var dynamicKeys = map[string][]string{
	// "jobstate." + reminders.Job.State, "jobstep." + a step without "-" (internal/cli/reminders.go)
	"jobstate.": {"planned", "queued", "sending", "sent", "failed", "uncertain", "expired", "skipped", "cancelled"},
	"jobstep.":  {"shipped", "delivered", "confirm", "update", "cancel", "remind24h", "remind2h"},
	// "cli.customerReply." and "card.reply." + reminders.Reply.Kind (reminders/replies.go)
	"cli.customerReply.": {"optout", "confirm", "cancel", "rating"},
	"card.reply.":        {"optout", "confirm", "cancel", "rating"},
	// "ui.customers.sort." + shop.Sort* (ui/customers.go)
	"ui.customers.sort.": {"recent", "waiting", "contact", "name", "orders"},
	// "ui.import.kind." + Change.Kind (ui/importer.go, orderSample)
	"ui.import.kind.": {"new", "shipped", "delivered", "cancelled", "refunded", "tracking", "updated"},
	// "ui.thread.kind." + inbox.Message.Kind when not "" (ui/thread.go)
	"ui.thread.kind.": {"auto", "bounce", "bulk"},
	// "rule." + a rule's name (reminders.RuleKey)
	"rule.": {"delivery", "reorder", "appointment", "birthday"},
	// "status." + Order.Status (orders/card.go, Order.summary)
	"status.": {"cancelled", "refunded", "delivered", "shipped", "partial", "paid", "pending", "failed", "voided", "open"},
	// "change." + Change.Kind (orders/store.go, diff; orders/writer.go)
	"change.": {"new", "shipped", "delivered", "cancelled", "refunded", "tracking", "updated"},
	// "field." + Change.Fields (orders/store.go, diff; "items" from orders/writer.go)
	"field.": {"email", "name", "phone", "placedAt", "currency", "subtotal", "shipping", "tax", "discount", "total",
		"refunded", "paymentStatus", "fulfillmentStatus", "status", "carrier", "trackingUrl", "shippingMethod",
		"shippedAt", "deliveredAt", "cancelledAt", "note", "items"},
	// "reply.field." + shop.ReplyFields' keys (internal/cli/reply.go, saved.go)
	"reply.field.": {"name", "full_name", "order", "carrier", "tracking", "tracking_link", "shop"},
	// "tmpl." + tmpl.Error.Code (internal/tmpl)
	"tmpl.": {"unknown", "unclosed", "empty"},
	// "appt." + appointment change kind (orders/appointments_store.go, apptDiff)
	"appt.": {"new", "cancelled", "moved", "updated"},
	// "appt.status." + Appointment.Status (orders/appointments_parse.go, apptStatus)
	"appt.status.": {"booked", "cancelled", "completed", "no_show"},
	// "setting." + a settings key (internal/cli/settings.go, printSetting)
	"setting.": {"shop.name", "shop.owner", "shop.signature", "shop.timezone", "shop.language",
		"reminders.quiet_hours", "reminders.rate_per_minute", "reminders.test_mode"},
}

// TestTranslationKeysExist finds every string literal in the module's Go code
// (main.go, this package, the domain packages, ui, ...) that
// looks like a message key (its prefix is one the catalogs use: cli., import.,
// reject., warn., ...) and checks that both languages have it. Keys built at
// run time are listed in dynamicKeys.
func TestTranslationKeysExist(t *testing.T) {
	catalogs := map[string]map[string]bool{}
	prefixes := map[string]bool{}
	for _, lang := range assets.Languages {
		catalogs[lang] = map[string]bool{}
		for _, k := range assets.Keys(lang) {
			catalogs[lang][k] = true
			if m := translationKey.FindStringSubmatch(k); m != nil {
				prefixes[m[1]] = true
			} else {
				t.Errorf("%s: key %q does not look like prefix.name", lang, k)
			}
		}
	}
	used := map[string][]string{} // key -> where
	scanned := map[string]bool{}  // file, from the module's folder
	fset := token.NewFileSet()
	top := filepath.Clean(root)
	err := filepath.WalkDir(top, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != top && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || d.Name() == "vendor") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		if rel, err := filepath.Rel(top, path); err == nil {
			scanned[filepath.ToSlash(rel)] = true
		}
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if err != nil {
				return true
			}
			where := fset.Position(lit.Pos()).String()
			if m := translationKey.FindStringSubmatch(s); m != nil && prefixes[m[1]] {
				used[s] = append(used[s], where)
			} else if p, _, _ := strings.Cut(s, "."); strings.HasSuffix(s, ".") && prefixes[p] {
				if _, listed := dynamicKeys[s]; !listed {
					t.Errorf("%s: key prefix %q is completed at run time; list its values in dynamicKeys", where, s)
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for prefix, values := range dynamicKeys {
		for _, v := range values {
			used[prefix+v] = append(used[prefix+v], "dynamicKeys")
		}
	}
	// The command line's keys live in internal/cli, the window's wiring in
	// main.go: the scan must read both, and the domain packages.
	for _, must := range []string{"main.go", "internal/cli/cli.go", "internal/cli/import.go", "orders/import.go"} {
		if !scanned[must] {
			t.Errorf("the scan did not read %s: is it still looking in the right places?", must)
		}
	}
	for _, must := range []string{"cli.usage", "cli.syncFolder", "import.unreadable", "reject.date", "warn.dateOrder", "status.open", "change.shipped"} {
		if _, ok := used[must]; !ok {
			t.Errorf("the scan did not find %q: is it still looking in the right places?", must)
		}
	}
	keys := make([]string, 0, len(used))
	for k := range used {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, lang := range assets.Languages {
			if !catalogs[lang][k] {
				t.Errorf("%s.json has no %q, used at %s", lang, k, strings.Join(used[k], ", "))
			}
		}
	}
	var unused []string
	for k := range catalogs[assets.Languages[0]] {
		if _, ok := used[k]; !ok {
			unused = append(unused, k)
		}
	}
	sort.Strings(unused)
	if len(unused) > 0 {
		t.Logf("keys no Go literal names (used elsewhere, or left over): %v", unused)
	}
}
