"""The CronJob controller ("cronjob"): Jobs created on a schedule (controller.py), timing rules in schedule.py."""
