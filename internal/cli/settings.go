package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"mostrador/internal/settings"
)

// settingsCmd reads or sets the shop's settings:
//
//	mostrador settings                 every setting with its value
//	mostrador settings KEY             one value
//	mostrador settings KEY VALUE       set it ("" resets it to its default)
func (c *cli) settingsCmd(args []string) int {
	// Not the flag package: a value may well start with a dash (a signature
	// opens with "-- "), so only --json and --help are options here, and
	// "--" ends them.
	var pos []string
	asJSON := new(bool)
	for i := 0; i < len(args); i++ {
		switch a := args[i]; a {
		case "--json", "-json":
			*asJSON = true
		case "--help", "-help", "-h":
			fmt.Fprint(c.stdout, c.t("cli.usage", nil))
			return exitOK
		case "--":
			pos = append(pos, args[i+1:]...)
			i = len(args)
		default:
			pos = append(pos, a)
		}
	}
	if len(pos) > 2 {
		return c.usage(c.t("cli.settingsArgs", nil))
	}
	// A shop.timezone this computer does not know must not lock the owner
	// out of the command that fixes it.
	c.anyZone = true
	db, code := c.openDB()
	if db == nil {
		return code
	}
	defer db.Close()
	ctx := context.Background()
	switch len(pos) {
	case 0:
		all, err := settings.All(ctx, db)
		if err != nil {
			return c.dbError(err)
		}
		if *asJSON {
			c.printJSON(all)
			return exitOK
		}
		for _, s := range all {
			c.printSetting(s, true)
		}
		return exitOK
	case 1:
		s, err := settings.Get(ctx, db, pos[0])
		if err != nil {
			return c.settingError(err)
		}
		if *asJSON {
			c.printJSON(s)
		} else {
			fmt.Fprintln(c.stdout, s.Value)
		}
		return exitOK
	}
	s, err := settings.Set(ctx, db, pos[0], pos[1])
	if err != nil {
		return c.settingError(err)
	}
	if *asJSON {
		c.printJSON(s)
	} else {
		c.printSetting(s, false)
	}
	return exitOK
}

// printSetting prints "key = value", marked when it is the default, and
// with what the setting is for when listing them all.
func (c *cli) printSetting(s settings.Setting, describe bool) {
	v := s.Value
	if strings.Contains(v, "\n") {
		v = strings.ReplaceAll(v, "\n", "\n"+strings.Repeat(" ", 28))
	}
	line := fmt.Sprintf("%-25s = %s", s.Key, v)
	if !s.IsSet {
		line += "  " + c.t("cli.settingDefault", nil)
	}
	fmt.Fprintln(c.stdout, line)
	if describe {
		fmt.Fprintln(c.stdout, "    "+c.t("setting."+s.Key, nil))
	}
}

// settingError words a refused setting; an unknown key is a usage error.
func (c *cli) settingError(err error) int {
	var se *settings.Error
	if !errors.As(err, &se) {
		return c.dbError(err)
	}
	if se.Code == "settings.unknownKey" {
		return c.usage(c.settingText(err))
	}
	return c.fail(c.settingText(err))
}

// settingText words a *settings.Error (any other error as itself).
func (c *cli) settingText(err error) string {
	var se *settings.Error
	if !errors.As(err, &se) {
		return err.Error()
	}
	data := map[string]any{"Key": se.Key, "Value": se.Value, "Keys": strings.Join(settings.Keys(), ", "),
		"Reason": c.t(se.Code, nil)}
	if se.Code == "settings.unknownKey" {
		return c.t("cli.unknownSetting", data)
	}
	return c.t("cli.badSetting", data)
}
