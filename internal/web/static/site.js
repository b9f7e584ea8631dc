// Sends the newsletter box without leaving the page. Without this file, or
// without fetch, the form posts and the server answers with a page.
(function () {
  'use strict';
  if (!window.fetch || !window.FormData || !document.querySelectorAll) {
    return;
  }

  function clearErrors(form) {
    var old = form.querySelectorAll('[data-js-error]');
    for (var i = 0; i < old.length; i++) {
      old[i].parentNode.removeChild(old[i]);
    }
    var marked = form.querySelectorAll('[aria-invalid]');
    for (var j = 0; j < marked.length; j++) {
      marked[j].removeAttribute('aria-invalid');
      marked[j].removeAttribute('aria-describedby');
    }
    var server = form.querySelectorAll('.field-error');
    for (var k = 0; k < server.length; k++) {
      server[k].parentNode.removeChild(server[k]);
    }
  }

  function showError(form, status, field, message) {
    var p = document.createElement('p');
    p.className = 'field-error';
    p.setAttribute('data-js-error', '');
    p.textContent = message;
    var input = field ? form.querySelector('[name="' + field + '"]:not([type="hidden"])') : null;
    if (input) {
      p.id = 'signup-' + field + '-error';
      var holder = input.closest('.field') || input.parentNode;
      holder.appendChild(p);
      input.setAttribute('aria-invalid', 'true');
      input.setAttribute('aria-describedby', p.id);
      input.focus();
    } else {
      var button = form.querySelector('button[type="submit"]');
      button.parentNode.insertBefore(p, button);
    }
    status.textContent = message;
  }

  function thank(box, form, status) {
    var detail = form.getAttribute('data-thanks-detail');
    var done = document.createElement('div');
    done.className = 'signup-thanks';
    var title = document.createElement('p');
    title.className = 'signup-thanks-title';
    title.setAttribute('tabindex', '-1');
    title.textContent = form.getAttribute('data-thanks');
    done.appendChild(title);
    if (detail) {
      var more = document.createElement('p');
      more.textContent = detail;
      done.appendChild(more);
    }
    form.parentNode.replaceChild(done, form);
    var intro = box.querySelector('.signup-intro');
    if (intro) {
      intro.parentNode.removeChild(intro);
    }
    status.textContent = title.textContent + (detail ? ' ' + detail : '');
    title.focus();
  }

  function attach(form) {
    var box = form.closest('[data-signup-box]') || form.parentNode;
    var status = box.querySelector('[data-status]');
    var button = form.querySelector('button[type="submit"]');
    var label = button.textContent;

    function restore() {
      button.disabled = false;
      button.textContent = label;
    }

    form.addEventListener('submit', function (event) {
      event.preventDefault();
      if (button.disabled) {
        return;
      }
      clearErrors(form);
      status.textContent = '';
      button.disabled = true;
      button.textContent = form.getAttribute('data-wait');
      fetch(form.action, {
        method: 'POST',
        body: new FormData(form),
        headers: { 'Accept': 'application/json' },
        credentials: 'same-origin'
      }).then(function (response) {
        return response.json().then(function (data) {
          return { status: response.status, data: data };
        }, function () {
          return { status: response.status, data: null };
        });
      }).then(function (answer) {
        if (answer.data && answer.data.ok) {
          thank(box, form, status);
          return;
        }
        restore();
        var message = answer.data && answer.data.message ? answer.data.message : form.getAttribute('data-offline');
        showError(form, status, answer.data && answer.data.field, message);
      }, function () {
        restore();
        showError(form, status, null, form.getAttribute('data-offline'));
      });
    });
  }

  var forms = document.querySelectorAll('form[data-signup]');
  for (var i = 0; i < forms.length; i++) {
    attach(forms[i]);
  }
}());
