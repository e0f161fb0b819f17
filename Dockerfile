# The spacemap app; the database is the official PostGIS image (see docker-compose.yml).
# The maps' browser libraries come from the npm registry in a build stage (no CDN at run time).
FROM node:20-slim AS weblib
WORKDIR /web
COPY web/package.json web/package-lock.json web/.npmrc ./
RUN npm ci --no-audit --no-fund --ignore-scripts

FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml constraints.txt README.md ./
COPY spacemap ./spacemap
COPY geodata ./geodata
COPY matching ./matching
COPY api ./api
COPY web ./web
COPY examples ./examples
COPY --from=weblib /web/node_modules ./web/node_modules
# Editable: the app serves web/node_modules and reads examples/ from the source tree.
RUN pip install --no-cache-dir -c constraints.txt -e . && useradd --create-home spacemap \
    && mkdir -p /app/.spacemap && chown spacemap /app/.spacemap
USER spacemap
EXPOSE 8000
CMD ["sh", "-c", "spacemap db up && spacemap db migrate && spacemap load --if-needed && spacemap train --if-missing && spacemap serve --host 0.0.0.0 --port 8000"]
