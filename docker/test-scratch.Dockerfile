# Test image: the static odoo-sizer binary alone in an empty root (the engine here cannot pull images).
# Built by `make test-image` from target/docker-context/; never add a `# syntax=` line or `--pull`.
FROM scratch
COPY odoo-sizer /usr/local/bin/odoo-sizer
ENTRYPOINT ["/usr/local/bin/odoo-sizer"]
