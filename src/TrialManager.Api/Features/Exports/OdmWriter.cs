namespace TrialManager.Api.Features.Exports;

/// <summary>Placeholder until the ODM 1.3.2 writer (written in parallel) is merged; it replaces this file.</summary>
public static class OdmWriter
{
    public static Task WriteAsync(Stream output, ExtractHeader header, IAsyncEnumerable<ExtractParticipant> participants,
        IAsyncEnumerable<ExtractCluster> clusters, IAsyncEnumerable<ExtractAssessment> assessmentsOrderedByParticipantThenTimepointThenInstrument,
        CancellationToken ct) =>
        throw new NotImplementedException("The ODM writer is not merged yet.");
}
