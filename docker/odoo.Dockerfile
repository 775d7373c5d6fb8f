# The official Odoo image with odoo-sizer as its entrypoint wrapper: at every start, `odoo-sizer init`
# sizes the config for the limits the container was given (`--cpus`, `--memory`, Kubernetes limits),
# then replaces itself with the official /entrypoint.sh, which becomes `odoo` (same PID, signals go
# straight to Odoo).
#
#   docker build -f docker/Dockerfile -t odoo-sizer .               (the binary image, once)
#   docker build -f docker/odoo.Dockerfile -t my-odoo:18 docker/
#   docker run --cpus 2 --memory 4g -e HOST=db ... my-odoo:18
#
# Build arguments: ODOO_IMAGE (the Odoo image to extend), SIZER_IMAGE (the image built from
# docker/Dockerfile). The classic builder and BuildKit both build this file (no BuildKit-only flags).
ARG ODOO_IMAGE=odoo:18
ARG SIZER_IMAGE=odoo-sizer:latest

FROM ${SIZER_IMAGE} AS sizer

FROM ${ODOO_IMAGE}
# Owned by root, mode 0755 (kept from the sizer image): the odoo user runs it and cannot replace it.
COPY --from=sizer /usr/local/bin/odoo-sizer /usr/local/bin/odoo-sizer
# The official image's own user; init runs as it and execs the official entrypoint as it. By name: its
# uid depends on the image's base (100 or 101), so no number fits every image.
# hadolint ignore=DL3066
USER odoo
# The config in the image ($ODOO_RC, /etc/odoo/odoo.conf, owned by odoo) is sized in place. For a
# read-only one (a `:ro` mount, a Kubernetes ConfigMap) add `--output /run/odoo/odoo.conf` (a writable
# place) before `--`: init writes the sized copy there and points ODOO_RC and `--config` at it.
ENTRYPOINT ["odoo-sizer", "init", "--", "/entrypoint.sh"]
# Setting ENTRYPOINT clears the CMD inherited from the base image: declare the official one again.
CMD ["odoo"]
