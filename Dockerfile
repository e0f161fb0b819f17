# The spacemap app; the database is the official PostGIS image (see docker-compose.yml).
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml constraints.txt README.md ./
COPY spacemap ./spacemap
COPY geodata ./geodata
COPY matching ./matching
COPY api ./api
COPY web ./web
RUN pip install --no-cache-dir -c constraints.txt . && useradd --create-home spacemap
USER spacemap
EXPOSE 8000
CMD ["sh", "-c", "spacemap db up && spacemap db migrate && spacemap load --if-needed && spacemap serve --host 0.0.0.0 --port 8000"]
