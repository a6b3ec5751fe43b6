package dev.kiln.train;

/**
 * Receives {@link Fit}'s progress events, on the training thread. Every method does nothing by
 * default. Batch events come once per optimizer step, so implementations should be cheap.
 */
public interface TrainingListener {

    /**
     * An epoch begins.
     *
     * @param epoch the epoch's number, from 1
     * @param epochs the run's last epoch number
     * @param samples training rows the epoch will see
     */
    default void epochStarted(int epoch, int epochs, int samples) {}

    /**
     * An optimizer step finished.
     *
     * @param samplesDone training rows seen so far in this epoch, this batch included
     * @param loss the batch's loss, as returned by {@link dev.kiln.KilnModel#trainStep}
     */
    default void batchFinished(int epoch, int samplesDone, float loss) {}

    /** An epoch finished: trained, evaluated and checkpointed. */
    default void epochFinished(EpochResult result) {}

    /** The run ended, after its last epoch or by early stopping. */
    default void fitFinished(History history) {}
}
