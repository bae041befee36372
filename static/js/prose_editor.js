// The admin's rich-text editor (django-prose-editor), as its "configurable" preset sets it
// up, with one difference: tiptap injects its base styles as a <style> element, and here
// it is given the page's CSP nonce, so the Content-Security-Policy needs no unsafe-inline.
import * as prose from "django-prose-editor/editor"

const ATTRIBUTE = "data-django-prose-editor-clinic"
// A module script has no currentScript; every script tag on an admin page has the nonce.
const nonce = document.querySelector("script[nonce]")?.nonce

function extensionsFrom(config) {
  return Object.entries(config.extensions || {}).flatMap(([name, options]) => {
    const extension = prose[name]
    if (!extension) {
      console.error(`The rich-text editor has no extension named ${name}`)
      return []
    }
    return [typeof options === "object" ? extension.configure(options) : extension]
  })
}

function createEditor(textarea) {
  if (textarea.closest(".prose-editor")) return null
  const config = JSON.parse(textarea.getAttribute(ATTRIBUTE) || "{}")
  const disabled = textarea.hasAttribute("disabled")
  const wrapper = prose.crel("div", { className: `prose-editor ${disabled ? "disabled" : ""}` })
  textarea.before(wrapper)
  wrapper.append(textarea)
  return new prose.Editor({
    element: wrapper,
    editable: !disabled,
    extensions: extensionsFrom(config),
    content: textarea.value,
    injectNonce: nonce,
    onUpdate({ editor }) {
      const html = editor.getHTML()
      // An editor left empty holds "<p></p>": store it as empty, as the package does.
      textarea.value = /^<(\w+)(\s[^>]*)?><\/\1>$/i.test(html) ? "" : html
      textarea.dispatchEvent(new Event("input", { bubbles: true }))
    },
    onDestroy() {
      wrapper.before(textarea)
      wrapper.remove()
    },
  })
}

// Also sets up the editors of inline rows the admin adds later (FAQs).
prose.initializeEditors(createEditor, `[${ATTRIBUTE}]`)
