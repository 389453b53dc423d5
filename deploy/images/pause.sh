#!/bin/sh
# Entrypoint of kubemini/pause: PID 1 of every pod sandbox.
#
# The sandbox only has to hold the pod's network namespace open, so it sleeps.
# As PID 1 it gets no default signal handling from the kernel: without the trap
# SIGTERM would be ignored and every pod deletion would wait for SIGKILL.
# `sleep & wait` keeps the shell itself waiting, so the trap runs at once.
trap 'exit 0' TERM INT
while :; do
    sleep 3600 &
    wait $!
done
