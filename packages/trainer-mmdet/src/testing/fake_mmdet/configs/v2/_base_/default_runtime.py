data = dict(samples_per_gpu=2, workers_per_gpu=2)
evaluation = dict(interval=1, metric='bbox')
