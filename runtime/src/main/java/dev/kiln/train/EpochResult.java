package dev.kiln.train;

/**
 * What one epoch of {@link Fit} measured.
 *
 * @param epoch the epoch's number, from 1
 * @param trainLoss mean of the epoch's batch losses weighted by batch size (losses before each update)
 * @param validationLoss mean loss over the validation set in evaluation mode after the epoch, NaN without one
 * @param validationAccuracy fraction of validation rows whose predicted class is the label, NaN without a validation set
 * @param learningRate the rate of the epoch's last optimizer step
 * @param seconds wall time of the epoch, training and validation
 * @param samplesPerSecond training rows per second of the training phase
 */
public record EpochResult(
        int epoch,
        double trainLoss,
        double validationLoss,
        double validationAccuracy,
        double learningRate,
        double seconds,
        double samplesPerSecond) {

    /** Whether the epoch was evaluated on a validation set. */
    public boolean hasValidation() {
        return !Double.isNaN(validationLoss);
    }
}
