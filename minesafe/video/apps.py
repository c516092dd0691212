from django.apps import AppConfig


class VideoConfig(AppConfig):
    name = "minesafe.video"
    verbose_name = "视频监控"
