package shop

import (
	"strings"

	"mostrador/assets"
	"mostrador/inbox"
)

// ConnWords says in plain words, in lang, what went wrong with a mail
// server: the name that does not resolve, the certificate to trust, the
// password refused... The command line and the window say it alike.
func ConnWords(lang string, ep inbox.Endpoint, ce *inbox.ConnError) string {
	data := map[string]any{"Server": strings.ToUpper(ce.Server), "Addr": ce.Addr, "Host": ep.Host, "User": ep.User,
		"Fingerprint": ce.Fingerprint, "Err": ""}
	if ce.Err != nil {
		data["Err"] = ce.Err.Error()
	}
	return assets.Translate(lang, ce.Code, data)
}

// SendWords says in plain words why an email did not go (its ErrorCode),
// with what the server said after it.
func SendWords(lang string, acct *inbox.Account, o *inbox.Outgoing) string {
	if o.ErrorCode == "" {
		return o.Error
	}
	ep := inbox.Endpoint{Proto: "smtp"}
	if acct != nil {
		ep = acct.SMTP
	}
	words := ConnWords(lang, ep, &inbox.ConnError{Server: "smtp", Addr: ep.Addr(), Code: o.ErrorCode})
	if words == o.ErrorCode { // not a code the translations know
		return o.Error
	}
	return words + " — " + o.Error
}
