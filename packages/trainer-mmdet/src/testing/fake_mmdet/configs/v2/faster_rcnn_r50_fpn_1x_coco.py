_base_ = [
    './_base_/faster_rcnn_r50_fpn.py', './_base_/schedule_1x.py', './_base_/default_runtime.py'
]
