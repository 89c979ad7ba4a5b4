FROM python:3.11-slim
COPY . /src
RUN pip install --no-cache-dir '/src[postgres]' && rm -rf /src \
    && useradd --system --uid 10001 --home-dir /var/lib/leadstage --create-home leadstage
USER leadstage
WORKDIR /var/lib/leadstage
EXPOSE 9464
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:9464/healthz', timeout=4)"
ENTRYPOINT ["leadstage", "--log-format", "json", "--log-level", "info"]
CMD ["daemon", "--config", "/etc/leadstage/leadstage.toml"]
