import { useRef } from 'preact/hooks';
import type { Answer, Instrument, Item } from '../api/types';
import { controlOf, isMissingCode, likertPoints, parseTyped, pointForKey } from '../logic/answers';

interface Props {
  instrument: Instrument;
  item: Item;
  number: number;
  answer: Answer | undefined;
  readOnly: boolean;
  describedBy?: string;
  invalid: boolean;
  onAnswer: (answer: Answer) => void;
}

/**
 * One item's answer. A short scale is a radio group whose missing-data codes are further choices in the same group, so
 * arrow keys move along it, a number key picks that point, and Tab goes on to the next item.
 */
export function ItemControl(props: Props) {
  const control = controlOf(props.item);
  if (control === 'likert' || control === 'choice') return <ChoiceGroup {...props} />;
  return <TypedItem {...props} />;
}

function ChoiceGroup({ instrument, item, number, answer, readOnly, describedBy, invalid, onAnswer }: Props) {
  const group = useRef<HTMLFieldSetElement>(null);
  const likert = controlOf(item) === 'likert';
  const choices: { value: number | string; label: string; missing?: boolean }[] = likert
    ? likertPoints(item).map((value) => ({ value, label: String(value) }))
    : (item.options ?? []).map((option) => ({ value: option.value, label: option.label }));
  const missing = instrument.missingCodes.map((code) => ({ value: code.value, label: code.label, missing: true }));
  const name = `item-${item.code}`;

  function choose(value: number | string) {
    onAnswer(value);
    // The focus goes to the chosen radio (never elsewhere), as an arrow key would move it.
    const radio = group.current?.querySelector<HTMLInputElement>(`input[value="${CSS.escape(String(value))}"]`);
    radio?.focus();
  }

  function keyDown(event: KeyboardEvent) {
    if (readOnly || !likert || event.altKey || event.ctrlKey || event.metaKey) return;
    const point = pointForKey(item, event.key);
    if (point !== null) {
      event.preventDefault();
      choose(point);
    }
  }

  return (
    <fieldset ref={group} class={`item-choices${invalid ? ' invalid' : ''}`} aria-describedby={describedBy} onKeyDown={keyDown}>
      <legend>
        <span class="item-number">{number}.</span> {item.label}
        {item.required && <span class="required"> (required)</span>}
        {likert && <span class="sr-only"> Scale {item.min} to {item.max}; number keys choose.</span>}
      </legend>
      <div class="scale">
        {choices.map((choice) => (
          <label key={String(choice.value)} class="point">
            <input type="radio" name={name} value={String(choice.value)} checked={answer === choice.value} disabled={readOnly} onChange={() => choose(choice.value)} />
            <span>{choice.label}</span>
          </label>
        ))}
      </div>
      {missing.length > 0 && (
        <div class="missing-choices">
          <span class="missing-title" aria-hidden="true">
            Missing:
          </span>
          {missing.map((choice) => (
            <label key={choice.value} class="point missing">
              <input type="radio" name={name} value={String(choice.value)} checked={answer === choice.value} disabled={readOnly} onChange={() => choose(choice.value)} />
              <span>
                <span class="sr-only">Missing: </span>
                {choice.label}
              </span>
            </label>
          ))}
        </div>
      )}
    </fieldset>
  );
}

function TypedItem({ instrument, item, number, answer, readOnly, describedBy, invalid, onAnswer }: Props) {
  const id = `item-${item.code}`;
  const missingCode = isMissingCode(instrument, answer ?? null) ? String(answer) : '';
  const typed = missingCode ? '' : answer === null || answer === undefined ? '' : String(answer);
  const type = item.type === 'date' ? 'date' : 'text';
  const numeric = item.type === 'integer' || item.type === 'decimal';
  return (
    <div class={`item-typed${invalid ? ' invalid' : ''}`}>
      <label for={id}>
        <span class="item-number">{number}.</span> {item.label}
        {item.required && <span class="required"> (required)</span>}
        {numeric && item.min != null && item.max != null && (
          <span class="hint">
            {' '}
            ({item.min}–{item.max})
          </span>
        )}
      </label>
      <div class="typed-row">
        {item.type === 'text' ? (
          <textarea id={id} value={typed} readOnly={readOnly} disabled={!!missingCode} aria-describedby={describedBy} aria-invalid={invalid || undefined} onInput={(e) => onAnswer(parseTyped(item, e.currentTarget.value))} />
        ) : (
          <input
            id={id}
            type={type}
            inputMode={numeric ? (item.type === 'integer' ? 'numeric' : 'decimal') : undefined}
            value={typed}
            readOnly={readOnly}
            disabled={!!missingCode}
            aria-describedby={describedBy}
            aria-invalid={invalid || undefined}
            onInput={(e) => onAnswer(parseTyped(item, e.currentTarget.value))}
          />
        )}
        {instrument.missingCodes.length > 0 && (
          <select
            aria-label={`Missing-data code for item ${number}`}
            value={missingCode}
            disabled={readOnly}
            onChange={(e) => onAnswer(e.currentTarget.value === '' ? null : Number(e.currentTarget.value))}
          >
            <option value="">Not missing</option>
            {instrument.missingCodes.map((code) => (
              <option key={code.value} value={String(code.value)}>
                Missing: {code.label}
              </option>
            ))}
          </select>
        )}
      </div>
    </div>
  );
}
