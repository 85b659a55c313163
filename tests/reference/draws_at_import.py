import numpy; numpy.random.rand()
