#!/usr/bin/env bash
# Gradescope: setup.sh, run once when the autograder image is built.
set -eu
apt-get install -y python3 python3-pip
pip3 install gradcheck
