package orders

import "mostrador/internal/database"

// Migrations are the order log's tables. Times are UTC text
// ("2006-01-02T15:04:05Z", sortable); money is integer minor units beside an
// ISO currency code; NULL means "not known", which is not the same as zero.
var Migrations = database.Migrations{Package: "orders", Steps: []string{
	`CREATE TABLE customer (
		id         INTEGER PRIMARY KEY,
		email      TEXT UNIQUE,               -- normalized; NULL: cannot be emailed
		name       TEXT NOT NULL DEFAULT '',
		phone      TEXT NOT NULL DEFAULT '',
		phone_key  TEXT NOT NULL DEFAULT '',  -- digits only, for matching orders without email
		name_key   TEXT NOT NULL DEFAULT '',  -- folded name, for the same
		created_at TEXT NOT NULL,
		updated_at TEXT NOT NULL
	);
	-- phone_key and name_key are matched in memory during an import; no index.

	CREATE TABLE orders (
		id                 INTEGER PRIMARY KEY,
		platform           TEXT NOT NULL,
		number             TEXT NOT NULL,
		customer_id        INTEGER NOT NULL REFERENCES customer(id),
		email              TEXT NOT NULL DEFAULT '',  -- as written in the export
		name               TEXT NOT NULL DEFAULT '',
		phone              TEXT NOT NULL DEFAULT '',
		placed_at          TEXT,
		currency           TEXT NOT NULL DEFAULT '',
		subtotal           INTEGER,
		shipping           INTEGER,
		tax                INTEGER,
		discount           INTEGER,
		total              INTEGER,
		refunded           INTEGER,
		payment_status     TEXT NOT NULL DEFAULT '',  -- pending paid partially_refunded refunded voided failed
		fulfillment_status TEXT NOT NULL DEFAULT '',  -- unfulfilled partial shipped delivered
		status_text        TEXT NOT NULL DEFAULT '',  -- the platform's own words
		carrier            TEXT NOT NULL DEFAULT '',
		tracking           TEXT NOT NULL DEFAULT '',
		tracking_url       TEXT NOT NULL DEFAULT '',
		shipping_method    TEXT NOT NULL DEFAULT '',
		shipped_at         TEXT,
		delivered_at       TEXT,
		cancelled          INTEGER NOT NULL DEFAULT 0,
		cancelled_at       TEXT,
		note               TEXT NOT NULL DEFAULT '',
		-- What each kind of file last said about the order, as "source=hash"
		-- pairs joined by ";": a re-import of the same data is recognized as
		-- unchanged without reading the order back. Etsy's two files each
		-- have their own pair.
		source_hashes      TEXT NOT NULL DEFAULT '',
		created_at         TEXT NOT NULL,
		updated_at         TEXT NOT NULL,
		UNIQUE(platform, number)
	);
	CREATE INDEX orders_customer ON orders(customer_id, placed_at);
	CREATE INDEX orders_tracking ON orders(tracking) WHERE tracking <> '';

	CREATE TABLE order_item (
		order_id   INTEGER NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
		position   INTEGER NOT NULL,
		quantity   INTEGER NOT NULL,
		name       TEXT NOT NULL,
		sku        TEXT NOT NULL DEFAULT '',
		variant    TEXT NOT NULL DEFAULT '',
		unit_price INTEGER,
		line_total INTEGER,
		PRIMARY KEY(order_id, position)
	) WITHOUT ROWID;

	-- The history of what imports changed, for the card and for the reminders.
	CREATE TABLE order_event (
		id       INTEGER PRIMARY KEY,
		order_id INTEGER NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
		kind     TEXT NOT NULL,     -- new shipped delivered cancelled refunded tracking updated
		seen_at  TEXT NOT NULL,     -- when the import noticed it
		detail   TEXT NOT NULL DEFAULT ''
	);
	CREATE INDEX order_event_order ON order_event(order_id, id);`,
}}
