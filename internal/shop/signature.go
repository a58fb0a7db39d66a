package shop

import (
	"context"
	"database/sql"
	"strings"

	"mostrador/inbox"
	"mostrador/internal/settings"
)

// Signature is what goes under the owner's replies: shop.signature when
// set, else the owner's name and the shop's (a signed answer earns more
// trust than one from a faceless shop). The account's sender name stands
// in for the owner when shop.owner is not set.
func Signature(ctx context.Context, db *sql.DB, acct *inbox.Account) (string, error) {
	get := func(key string) (string, error) {
		s, err := settings.Get(ctx, db, key)
		return strings.TrimSpace(s.Value), err
	}
	sig, err := get(settings.ShopSignature)
	if err != nil || sig != "" {
		return sig, err
	}
	owner, err := get(settings.ShopOwner)
	if err != nil {
		return "", err
	}
	name, err := get(settings.ShopName)
	if err != nil {
		return "", err
	}
	if owner == "" && acct != nil {
		owner = acct.FromName
	}
	var lines []string
	if owner != "" {
		lines = append(lines, owner)
	}
	if name != "" && !strings.EqualFold(name, owner) {
		lines = append(lines, name)
	}
	return strings.Join(lines, "\n"), nil
}
