namespace TrialManager.Data.Trials;

/// <summary>One arm of the trial and its share of the allocation ratio (e.g. 2 in 2:1).</summary>
public sealed class TrialArm : IEntity, ITrialOwned
{
    public Guid Id { get; init; }
    public Guid TrialId { get; init; }
    public required string Code { get; set; }
    public required string Label { get; set; }
    public int Ratio { get; set; }
    public int Position { get; set; }
}
