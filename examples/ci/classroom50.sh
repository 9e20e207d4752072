#!/usr/bin/env bash
# Classroom 50 autograder: write result.json (schema classroom50/result/v1).
# A failing grade still exits 0; only an infrastructure failure exits non-zero, as the runner expects.
set -u
pip install --quiet gradcheck
gradcheck backprop.py --assignment planar --format classroom50 > result.json
