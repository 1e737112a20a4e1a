"""The webhook benchmark's baseline: a bare Flask app whose one POST endpoint answers 202.

Served by gunicorn with the same settings as the product (see webhook.py):
    gunicorn --chdir benchmarks bare_app:app
"""

from flask import Flask, jsonify, request

app = Flask(__name__)


@app.post("/api/v1/notifications")
def receive_notification():
    request.get_data()  # read the body, as the product does
    return jsonify(status="accepted"), 202
