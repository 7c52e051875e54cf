"""The demo municipality for `make run` and `tools/cluster.sh`: departments, logins, an Aktenplan, Akten and a
small scanned archive. The top layer: it uses the services of every app and nothing imports it."""
