namespace TrialManager.Data.Audit;

/// <summary>
/// The last event of one strand of a chain. Writers lock it while they append, so each strand stays a single line;
/// verification compares it with the strand's last event, which makes a deleted tail visible.
/// </summary>
public sealed class AuditStrandHead
{
    public Guid ChainId { get; init; }
    public int Strand { get; init; }
    public long Sequence { get; set; }
    public required byte[] Hash { get; set; }
}
